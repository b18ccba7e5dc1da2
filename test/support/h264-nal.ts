/** What a screen sees of the door's H.264 over RTP, for tests and benches. */

/** NAL unit types an RTP H.264 payload starts (RFC 6184 §5.6-5.8: single NAL, STAP-A, FU-A start). */
export function nalTypes(payload: Buffer): number[] {
  if (payload.length < 1) return [];
  const t = payload[0]! & 0x1f;
  if (t >= 1 && t <= 23) return [t];
  if (t === 24) {
    const out: number[] = [];
    for (let o = 1; o + 2 < payload.length; ) {
      const len = payload.readUInt16BE(o);
      if (len === 0 || o + 2 + len > payload.length) break;
      out.push(payload[o + 2]! & 0x1f);
      o += 2 + len;
    }
    return out;
  }
  if (t === 28 && payload.length > 1 && payload[1]! & 0x80) return [payload[1]! & 0x1f];
  return [];
}
