/**
 * Sender-report figures from what GStreamer shows of our video sender,
 * read through gstreamer-superficial, which turns a GstStructure property
 * into its string form:
 *
 *   rtph264pay `stats` = "application/x-rtp-payload-stats, clock-rate=(uint)90000,
 *     running-time=(guint64)175365, seqnum=(uint)28042, timestamp=(uint)1860759338,
 *     ssrc=(uint)3694286278, pt=(uint)96, seqnum-offset=(uint)27672,
 *     timestamp-offset=(uint)1860583973;"  (GStreamer 1.22, measured)
 *   multiudpsink `bytes-to-serve` = "360033" (guint64 as a string; bytes
 *     handed to the sink once per buffer, whatever the number of clients,
 *     where `bytes-served` counts once per client)
 *
 * The plain `ssrc`, `seqnum-offset`, `timestamp-offset` properties give
 * what was configured (-1 = random), not what is used, so `stats` it is.
 * Each read of `stats` leaks its copy in the binding (it never unsets the
 * GValue; figures in RELIABILITY.md), so the sender reads it once per
 * pipeline run for SSRC and offsets, and the plain uint `seqnum` and
 * `timestamp` properties (no leak; the same values as in `stats`) for
 * each report.
 */
import type { SenderInfo } from '../rtcp/rtcp-wire.js';
import { ntpFromUnixMs } from '../rtcp/ntp-time.js';

export interface PayloaderStats {
  clockRate: number;
  seqnum: number;
  timestamp: number;
  ssrc: number;
  seqnumOffset: number;
  timestampOffset: number;
}

function field(s: string, name: string): number | undefined {
  const m = new RegExp(`(?:^|[ ,])${name}=\\((?:uint|guint|guint64|uint64|int)\\)(\\d+)`).exec(s);
  return m ? Number(m[1]) : undefined;
}

export function parsePayloaderStats(s: string): PayloaderStats | undefined {
  const clockRate = field(s, 'clock-rate');
  const seqnum = field(s, 'seqnum');
  const timestamp = field(s, 'timestamp');
  const ssrc = field(s, 'ssrc');
  const seqnumOffset = field(s, 'seqnum-offset');
  const timestampOffset = field(s, 'timestamp-offset');
  if (clockRate === undefined || seqnum === undefined || timestamp === undefined || ssrc === undefined || seqnumOffset === undefined || timestampOffset === undefined) return undefined;
  if (clockRate <= 0) return undefined;
  return { clockRate, seqnum, timestamp, ssrc, seqnumOffset, timestampOffset };
}

export interface CounterSample {
  stats: PayloaderStats;
  /** multiudpsink `bytes-to-serve`: RTP bytes, headers included. */
  bytesToServe: number;
  /**
   * Bytes per packet after the RTP packet in what that sink counted: the SRTP auth tag
   * (RFC 3711 §3.1; 10 for HMAC_SHA1_80) when it is the SRTP sink. The SR's octet count is
   * payload only (RFC 3550 §6.4.1).
   */
  trailerBytes?: number;
  /** Monotonic ms when read (performance.now()). */
  monoMs: number;
  /** Wall clock ms of the same instant (Unix epoch). */
  wallMs: number;
}

/** RTP fixed header (RFC 3550 §5.1); rtph264pay adds no CSRC or extension. */
const RTP_HEADER = 12;

/**
 * Turns successive samples into SR sender info. Packet count follows the
 * sequence number across its 16-bit wrap (read at least once per 65536
 * packets: at 1 s intervals that is far more than any camera sends).
 *
 * The SR's RTP timestamp must be that of "now" on the media clock (RFC
 * 3550 §6.4.1), while the payloader only tells the timestamp of the last
 * packet. A live source stamps frames with the pipeline clock, so
 * (monotonic now in clock units) - (extended timestamp) is constant plus
 * the capture-to-payloader delay; the smallest value seen is the best
 * estimate of that constant, and it only improves with more samples.
 */
export class SenderCounters {
  private ssrc: number | undefined;
  private lastSeq = 0;
  private packets = 0;
  private extTimestamp = 0;
  private lastTimestamp = 0;
  private offsetMin = Infinity;
  private lastBytes = 0;
  private bytesBase = 0;

  /** SR figures for this sample; undefined before the payloader has sent anything. */
  update(s: CounterSample): SenderInfo | undefined {
    const st = s.stats;
    const clockMs = st.clockRate / 1000;
    if (st.ssrc !== this.ssrc) {
      // A new stream (pipeline restarted): counts start again (RFC 3550 §6.4.1 counts per SSRC).
      this.ssrc = st.ssrc;
      this.lastSeq = st.seqnumOffset;
      this.packets = 0;
      this.extTimestamp = st.timestamp;
      this.lastTimestamp = st.timestamp;
      this.offsetMin = Infinity;
      // The sink's byte count may run on from the last stream.
      this.bytesBase = this.lastBytes;
    }
    if (s.bytesToServe < this.bytesBase) this.bytesBase = 0;
    this.lastBytes = s.bytesToServe;
    this.packets += (st.seqnum - this.lastSeq) & 0xffff;
    this.lastSeq = st.seqnum;
    // Signed 32-bit difference: timestamps go forward, but a reordering read must not jump by 2^32.
    this.extTimestamp += (st.timestamp - this.lastTimestamp) | 0;
    this.lastTimestamp = st.timestamp;
    if (this.packets === 0) return undefined;
    this.offsetMin = Math.min(this.offsetMin, s.monoMs * clockMs - this.extTimestamp);
    const rtpNow = Math.round(s.monoMs * clockMs - this.offsetMin);
    const ntp = ntpFromUnixMs(s.wallMs);
    return {
      ssrc: st.ssrc,
      ntpSeconds: ntp.seconds,
      ntpFraction: ntp.fraction,
      rtpTimestamp: ((rtpNow % 0x1_0000_0000) + 0x1_0000_0000) % 0x1_0000_0000,
      packetCount: this.packets % 0x1_0000_0000,
      octetCount: Math.max(0, s.bytesToServe - this.bytesBase - (RTP_HEADER + (s.trailerBytes ?? 0)) * this.packets) % 0x1_0000_0000,
    };
  }
}
