/** The fixed RTP header (RFC 3550 §5.1): read it, and build packets with one. */
import { isRtcp, rtpHeaderLength } from './rtp-header.js';

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
}

export interface RtpPacket extends RtpHeader {
  payload: Buffer;
}

/** undefined for anything that isn't RTP version 2 with a whole header (RTCP included, RFC 5761 §4). */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  // RTCP shares the port under rtcp-mux.
  if (isRtcp(buf)) return undefined;
  const offset = rtpHeaderLength(buf);
  if (offset === undefined) return undefined;
  const b1 = buf[1]!;
  let end = buf.length;
  if (buf[0]! & 0x20) end -= buf[buf.length - 1]!;
  if (offset > end) return undefined;
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

export function buildRtp(h: RtpHeader, payload: Buffer): Buffer {
  const out = Buffer.alloc(12 + payload.length);
  out[0] = 0x80;
  out[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  out.writeUInt16BE(h.sequence & 0xffff, 2);
  out.writeUInt32BE(h.timestamp >>> 0, 4);
  out.writeUInt32BE(h.ssrc >>> 0, 8);
  payload.copy(out, 12);
  return out;
}

/** Rewrites sequence number and SSRC in place (our sender owns both, so DTMF packets fit in the same stream). */
export function restampRtp(buf: Buffer, sequence: number, ssrc: number): void {
  buf.writeUInt16BE(sequence & 0xffff, 2);
  buf.writeUInt32BE(ssrc >>> 0, 8);
}
