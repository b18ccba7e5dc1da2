/**
 * Makes the RTP of successive talks one continuous stream for a receive
 * pipeline that stays PLAYING between calls (audio-session.ts keeps it so:
 * never cycle a pipeline through NULL, every NULL→PLAYING→NULL through
 * gstreamer-superficial costs native memory that never comes back; figures
 * in RELIABILITY.md). Each call's peer starts its own SSRC, sequence numbers
 * and timestamps (RFC 3550 §5.1: random), which rtpjitterbuffer would
 * take for a huge jump and drop packets until it resyncs; and each peer
 * picks its own payload type, which would mean setting new appsrc caps
 * per call (every caps set leaks in the binding).
 *
 * So every packet is rewritten in place before it is pushed: one SSRC and
 * payload type for the pipeline's life, sequence numbers that go on from
 * the last packet pushed, and timestamps that go on by the wall-clock time
 * that has passed (so the jitter buffer's clock-skew estimate stays
 * true). A new talk, or a new SSRC within one (a peer that restarted its
 * stream), starts a new mapping; within a mapping the peer's own gaps and
 * reordering are kept, so loss is still seen as loss.
 */
import { parseRtp } from '../rtp/rtp-packet.js';

export interface RtpContinuityOptions {
  clockRate: number;
  /** What every packet leaves with: the pipeline's fixed caps say this payload type. */
  payloadType: number;
  ssrc: number;
  /** Monotonic milliseconds (performance.now() by default). */
  now?: () => number;
}

export class RtpContinuity {
  private readonly now: () => number;
  /** The newest packet pushed so far: its output sequence number, timestamp, and when. */
  private last: { seq: number; ts: number; at: number } | undefined;
  /** Peer → output offsets of the current mapping, and the peer SSRC they are for. */
  private map: { peerSsrc: number; seqDelta: number; tsDelta: number } | undefined;

  constructor(private readonly opts: RtpContinuityOptions) {
    this.now = opts.now ?? (() => performance.now());
  }

  /** The next packet starts a new mapping (a new talk). */
  restart(): void {
    this.map = undefined;
  }

  /** Rewrites `buf` in place; false (and untouched) when it is not RTP. */
  rewrite(buf: Buffer): boolean {
    const rtp = parseRtp(buf);
    if (!rtp) return false;
    const at = this.now();
    if (!this.map || this.map.peerSsrc !== rtp.ssrc) {
      const nextSeq = this.last ? (this.last.seq + 1) & 0xffff : rtp.sequence;
      const expectedTs = this.last ? (this.last.ts + Math.round(((at - this.last.at) * this.opts.clockRate) / 1000)) >>> 0 : rtp.timestamp;
      this.map = { peerSsrc: rtp.ssrc, seqDelta: (nextSeq - rtp.sequence) & 0xffff, tsDelta: (expectedTs - rtp.timestamp) >>> 0 };
    }
    const seq = (rtp.sequence + this.map.seqDelta) & 0xffff;
    const ts = (rtp.timestamp + this.map.tsDelta) >>> 0;
    buf[1] = (buf[1]! & 0x80) | (this.opts.payloadType & 0x7f);
    buf.writeUInt16BE(seq, 2);
    buf.writeUInt32BE(ts, 4);
    buf.writeUInt32BE(this.opts.ssrc >>> 0, 8);
    // Only a newer packet moves the reference on (RFC 3550 A.1: newer = forward by less than half the space).
    if (!this.last || ((seq - this.last.seq) & 0xffff) < 0x8000) this.last = { seq, ts, at };
    return true;
  }
}
