import { describe, expect, it } from 'vitest';
import { RtpContinuity } from '../../../../src/media/audio/rtp-continuity.js';
import { buildRtp, parseRtp } from '../../../../src/media/rtp/rtp-packet.js';

const pkt = (sequence: number, timestamp: number, ssrc: number, payloadType = 0, marker = false) =>
  buildRtp({ marker, payloadType, sequence, timestamp, ssrc }, Buffer.from([1, 2, 3]));

function setup() {
  let t = 1000;
  const c = new RtpContinuity({ clockRate: 8000, payloadType: 0, ssrc: 0x1234, now: () => t });
  const out = (b: Buffer) => {
    expect(c.rewrite(b)).toBe(true);
    return parseRtp(b)!;
  };
  return { c, out, advance: (ms: number) => (t += ms) };
}

describe('RtpContinuity', () => {
  it('passes the first stream through with our SSRC and payload type, keeping marker and payload', () => {
    const { out } = setup();
    const p = out(pkt(500, 9000, 77, 96, true));
    expect(p).toMatchObject({ sequence: 500, timestamp: 9000, ssrc: 0x1234, payloadType: 0, marker: true });
    expect([...p.payload]).toEqual([1, 2, 3]);
  });

  it('goes on from the last packet when a new talk starts with another SSRC, numbering and payload type', () => {
    const { c, out, advance } = setup();
    out(pkt(500, 9000, 77));
    advance(20);
    out(pkt(501, 9160, 77));
    advance(5000);
    c.restart();
    // 5 s later in the next call: timestamps on by 5 s of clock, sequence numbers by one.
    expect(out(pkt(40000, 123, 99, 111))).toMatchObject({ sequence: 502, timestamp: 9160 + 40000, ssrc: 0x1234, payloadType: 0 });
    advance(20);
    expect(out(pkt(40001, 283, 99, 111))).toMatchObject({ sequence: 503, timestamp: 9160 + 40160 });
  });

  it('keeps the peer\'s gaps and reordering within a talk, and wraps', () => {
    const { out, advance } = setup();
    out(pkt(0xfffe, 0xffffff00, 5));
    advance(60);
    expect(out(pkt(1, 0xffffff00 + 480, 5))).toMatchObject({ sequence: 1, timestamp: (0xffffff00 + 480) >>> 0 });
    // A late packet does not move the reference back.
    expect(out(pkt(0xffff, 0xffffff00 + 160, 5))).toMatchObject({ sequence: 0xffff });
  });

  it('starts a new mapping when the peer changes SSRC within a talk', () => {
    const { out, advance } = setup();
    out(pkt(10, 100, 5));
    advance(20);
    expect(out(pkt(7000, 5, 6))).toMatchObject({ sequence: 11, timestamp: 260 });
  });

  it('leaves what is not RTP alone', () => {
    const { c } = setup();
    const junk = Buffer.from([0, 1, 2]);
    expect(c.rewrite(junk)).toBe(false);
    expect([...junk]).toEqual([0, 1, 2]);
  });
});
