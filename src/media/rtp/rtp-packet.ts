/** The fixed RTP header (RFC 3550 §5.1): read it, and build packets with one. */

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

/** undefined for anything that isn't RTP version 2 with a whole header (RTCP included: PT 72-76 with the marker bit). */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  const b1 = buf[1]!;
  // RTCP shares the port under rtcp-mux: its packet types 200-204 read as marker + PT 72-76.
  const pt = b1 & 0x7f;
  if (pt >= 72 && pt <= 76) return undefined;
  const csrcCount = buf[0]! & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + 4 * buf.readUInt16BE(offset + 2);
  }
  let end = buf.length;
  if (buf[0]! & 0x20) end -= buf[buf.length - 1]!;
  if (offset > end) return undefined;
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: pt,
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
