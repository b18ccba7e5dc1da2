/** SR figures from rtph264pay `stats` strings (as gstreamer-superficial gives them) and multiudpsink's byte count. */
import { describe, expect, it } from 'vitest';
import { parsePayloaderStats, SenderCounters, type PayloaderStats } from '../../../../src/media/video/payloader-counters.js';

// Measured on GStreamer 1.22.
const MEASURED =
  'application/x-rtp-payload-stats, clock-rate=(uint)90000, running-time=(guint64)175365, seqnum=(uint)28042, timestamp=(uint)1860759338, ssrc=(uint)3694286278, pt=(uint)96, seqnum-offset=(uint)27672, timestamp-offset=(uint)1860583973;';

describe('parsePayloaderStats', () => {
  it('reads the fields an SR needs, not running-time as timestamp', () => {
    expect(parsePayloaderStats(MEASURED)).toEqual({ clockRate: 90000, seqnum: 28042, timestamp: 1860759338, ssrc: 3694286278, seqnumOffset: 27672, timestampOffset: 1860583973 });
  });

  it('gives undefined for anything else', () => {
    expect(parsePayloaderStats('')).toBeUndefined();
    expect(parsePayloaderStats('application/x-rtp-payload-stats, clock-rate=(uint)90000;')).toBeUndefined();
    expect(parsePayloaderStats(MEASURED.replace('clock-rate=(uint)90000', 'clock-rate=(uint)0'))).toBeUndefined();
  });
});

describe('SenderCounters', () => {
  const base: PayloaderStats = { clockRate: 90000, seqnum: 100, timestamp: 1000, ssrc: 42, seqnumOffset: 100, timestampOffset: 1000 };
  const at = (stats: Partial<PayloaderStats>, bytesToServe: number, monoMs: number) => ({ stats: { ...base, ...stats }, bytesToServe, monoMs, wallMs: 1_700_000_000_000 + monoMs });

  it('reports nothing before the first packet', () => {
    expect(new SenderCounters().update(at({}, 0, 0))).toBeUndefined();
  });

  it('counts packets across the 16-bit sequence wrap and payload octets without headers', () => {
    const c = new SenderCounters();
    c.update(at({ seqnum: 65000, seqnumOffset: 65000 }, 0, 0));
    const info = c.update(at({ seqnum: 464, seqnumOffset: 65000, timestamp: 1000 + 90000 }, 1000 * 112, 1000))!;
    expect(info.packetCount).toBe(1000);
    expect(info.octetCount).toBe(100_000);
    expect(info.ssrc).toBe(42);
  });

  it('takes the SRTP auth tags out of the octet count when counting on the SRTP sink (RFC 3711 §3.1)', () => {
    const c = new SenderCounters();
    c.update({ ...at({ seqnum: 100 }, 0, 0), trailerBytes: 10 });
    const info = c.update({ ...at({ seqnum: 1100, timestamp: 1000 + 90000 }, 1000 * (12 + 100 + 10), 1000), trailerBytes: 10 })!;
    expect(info.packetCount).toBe(1000);
    expect(info.octetCount).toBe(100_000);
  });

  it('puts the RTP timestamp of "now" on the media clock, from the least delayed sample', () => {
    const c = new SenderCounters();
    // Packet stamped 1000 seen 30 ms late, then one stamped +1 s seen 5 ms late.
    c.update(at({ seqnum: 110, timestamp: 1000 }, 1200, 30));
    const info = c.update(at({ seqnum: 130, timestamp: 1000 + 90000 }, 2400, 1005))!;
    // The least delayed sample is taken as undelayed (the pipeline's latency can't be seen from here):
    // now = that packet's timestamp, not the 30 ms late one's view (which would say 91000 - 25 ms).
    expect(info.rtpTimestamp).toBe(1000 + 90000);
    // A later, more delayed sample does not make it worse: 1045 ms on, whatever it says.
    const later = c.update(at({ seqnum: 140, timestamp: 1000 + 2 * 90000 }, 3600, 2050))!;
    expect(later.rtpTimestamp).toBe(1000 + 90000 + 1045 * 90);
  });

  it('starts again for a new SSRC (the pipeline restarted)', () => {
    const c = new SenderCounters();
    c.update(at({ seqnum: 200 }, 12_000, 0));
    const info = c.update(at({ ssrc: 7, seqnum: 10, seqnumOffset: 0 }, 12_000 + 1120, 100))!;
    expect(info.ssrc).toBe(7);
    expect(info.packetCount).toBe(10);
    expect(info.octetCount).toBe(1000);
  });
});
