/**
 * Writing RTCP packets: the sender report + SDES CNAME compound we send
 * for our video (RFC 3550 §6.1: every compound starts with SR/RR and
 * carries a CNAME), BYE when a screen stops getting video, and PLI/FIR/RR
 * as a screen would send them (tests and tools use those).
 */
import { PSFB_FMT, RTCP_PT, type ReportBlock, type SenderInfo } from './rtcp-wire.js';

/** The 4-byte common header; `words` = length in 32-bit words minus one (RFC 3550 §6.4.1). */
function header(countOrFmt: number, pt: number, bytes: number): Buffer {
  const h = Buffer.alloc(4);
  h[0] = 0x80 | (countOrFmt & 0x1f);
  h[1] = pt;
  h.writeUInt16BE(bytes / 4 - 1, 2);
  return h;
}

function packet(countOrFmt: number, pt: number, body: Buffer): Buffer {
  if (body.length % 4 !== 0) throw new RangeError('RTCP body must be a whole number of 32-bit words');
  return Buffer.concat([header(countOrFmt, pt, body.length + 4), body]);
}

function blocks(reports: readonly ReportBlock[]): Buffer {
  const out = Buffer.alloc(24 * reports.length);
  reports.forEach((r, i) => {
    const o = 24 * i;
    out.writeUInt32BE(r.ssrc >>> 0, o);
    out[o + 4] = r.fractionLost & 0xff;
    out.writeUIntBE(r.cumulativeLost & 0xffffff, o + 5, 3);
    out.writeUInt32BE(r.highestSequence >>> 0, o + 8);
    out.writeUInt32BE(r.jitter >>> 0, o + 12);
    out.writeUInt32BE(r.lastSr >>> 0, o + 16);
    out.writeUInt32BE(r.delaySinceLastSr >>> 0, o + 20);
  });
  return out;
}

/** RFC 3550 §6.4.1. Counts wrap modulo 2^32 as the RFC says. */
export function buildSenderReport(info: SenderInfo, reports: readonly ReportBlock[] = []): Buffer {
  const body = Buffer.alloc(24);
  body.writeUInt32BE(info.ssrc >>> 0, 0);
  body.writeUInt32BE(info.ntpSeconds >>> 0, 4);
  body.writeUInt32BE(info.ntpFraction >>> 0, 8);
  body.writeUInt32BE(info.rtpTimestamp >>> 0, 12);
  body.writeUInt32BE(info.packetCount >>> 0, 16);
  body.writeUInt32BE(info.octetCount >>> 0, 20);
  return packet(reports.length, RTCP_PT.SR, Buffer.concat([body, blocks(reports)]));
}

/** RFC 3550 §6.4.2. */
export function buildReceiverReport(ssrc: number, reports: readonly ReportBlock[] = []): Buffer {
  const s = Buffer.alloc(4);
  s.writeUInt32BE(ssrc >>> 0);
  return packet(reports.length, RTCP_PT.RR, Buffer.concat([s, blocks(reports)]));
}

/** RFC 3550 §6.5.1: one chunk with the CNAME item, null-terminated and padded to 32 bits. */
export function buildSdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const len = 4 + 2 + text.length + 1;
  const chunk = Buffer.alloc(Math.ceil(len / 4) * 4);
  chunk.writeUInt32BE(ssrc >>> 0, 0);
  chunk[4] = 1; // CNAME
  chunk[5] = text.length;
  text.copy(chunk, 6);
  return packet(1, RTCP_PT.SDES, chunk);
}

/** RFC 3550 §6.6. */
export function buildBye(ssrcs: readonly number[], reason?: string): Buffer {
  const ids = Buffer.alloc(4 * ssrcs.length);
  ssrcs.forEach((s, i) => ids.writeUInt32BE(s >>> 0, 4 * i));
  let tail = Buffer.alloc(0);
  if (reason) {
    const text = Buffer.from(reason, 'utf8').subarray(0, 255);
    tail = Buffer.alloc(Math.ceil((1 + text.length) / 4) * 4);
    tail[0] = text.length;
    text.copy(tail, 1);
  }
  return packet(ssrcs.length, RTCP_PT.BYE, Buffer.concat([ids, tail]));
}

/** RFC 4585 §6.3.1: PSFB FMT=1, no FCI. */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(senderSsrc >>> 0, 0);
  body.writeUInt32BE(mediaSsrc >>> 0, 4);
  return packet(PSFB_FMT.PLI, RTCP_PT.PSFB, body);
}

/** RFC 5104 §4.3.1: PSFB FMT=4; media SSRC is 0, the target is in the FCI with a command sequence number. */
export function buildFir(senderSsrc: number, targets: ReadonlyArray<{ ssrc: number; sequence: number }>): Buffer {
  const body = Buffer.alloc(8 + 8 * targets.length);
  body.writeUInt32BE(senderSsrc >>> 0, 0);
  targets.forEach((t, i) => {
    body.writeUInt32BE(t.ssrc >>> 0, 8 + 8 * i);
    body[12 + 8 * i] = t.sequence & 0xff;
  });
  return packet(PSFB_FMT.FIR, RTCP_PT.PSFB, body);
}
