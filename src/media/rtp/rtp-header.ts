/**
 * The two questions every reader of a packet on an RTP port asks first,
 * answered once for the whole tree: is it RTCP (under rtcp-mux both share
 * the port), and where does an RTP packet's payload start (RFC 3550 §5.1,
 * §5.3.1)? SRTP encrypts from there to the end, padding included (RFC 3711
 * §3.1), and authenticates the whole packet.
 */

/** Header length in bytes, or undefined when the packet is not RTP version 2 with a whole header. */
export function rtpHeaderLength(buf: Buffer): number | undefined {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  let offset = 12 + 4 * (buf[0]! & 0x0f);
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + 4 * buf.readUInt16BE(offset + 2);
  }
  return offset <= buf.length ? offset : undefined;
}

/**
 * RFC 5761 §4: version 2 and a second byte of 192-223 is RTCP (its packet
 * types 192-223 read as RTP marker + payload types 64-95, which RTP must
 * therefore never use on a shared port).
 */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0]! >> 6 === 2 && buf[1]! >= 192 && buf[1]! <= 223;
}
