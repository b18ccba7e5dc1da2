/**
 * Reading RTCP compound packets (RFC 3550 §6): SR, RR, SDES, BYE, and the
 * payload-specific feedback a screen uses to ask for a key frame — PLI
 * (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1). Whatever arrives on the
 * RTCP port is untrusted: this never throws, it returns what it could read
 * and names the first problem.
 */
import { PSFB_FMT, RTCP_PT, type ReportBlock, type SenderInfo } from './rtcp-wire.js';
import { errorMessage } from '../../log/error-message.js';

/** The sender info the builder writes (rtcp-build.ts), as read back. */
export interface SenderReport extends SenderInfo {
  type: 'sr';
  reports: ReportBlock[];
}

export interface ReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

export interface SdesItem {
  /** RFC 3550 §6.5: 1 = CNAME, 2 = NAME, ... 8 = PRIV. */
  type: number;
  text: string;
}

export interface SourceDescription {
  type: 'sdes';
  chunks: Array<{ ssrc: number; items: SdesItem[] }>;
}

export interface Goodbye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

/** RFC 4585 §6.3.1: Picture Loss Indication (PT=PSFB, FMT=1, no FCI). */
export interface PictureLoss {
  type: 'pli';
  senderSsrc: number;
  mediaSsrc: number;
}

/** RFC 5104 §4.3.1: Full Intra Request (PT=PSFB, FMT=4); the SSRCs asked for are in the FCI entries, media SSRC is 0. */
export interface FullIntraRequest {
  type: 'fir';
  senderSsrc: number;
  mediaSsrc: number;
  entries: Array<{ ssrc: number; sequence: number }>;
}

/** Any other feedback message (RFC 4585 §6.1): generic NACK, REMB, TMMBR... read but not acted on. */
export interface OtherFeedback {
  type: 'feedback';
  packetType: number;
  fmt: number;
  senderSsrc: number;
  mediaSsrc: number;
}

/** APP (204), XR (207) and anything unknown: skipped by its length. */
export interface OtherPacket {
  type: 'other';
  packetType: number;
  count: number;
}

export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | PictureLoss | FullIntraRequest | OtherFeedback | OtherPacket;

export interface RtcpCompound {
  packets: RtcpPacket[];
  /** The first thing that was wrong; packets before it are in `packets`, nothing after it is. */
  error?: string;
}

function reportBlocks(buf: Buffer, offset: number, count: number, end: number): ReportBlock[] | undefined {
  if (offset + 24 * count > end) return undefined;
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const o = offset + 24 * i;
    const lost = buf.readUIntBE(o + 5, 3);
    out.push({
      ssrc: buf.readUInt32BE(o),
      fractionLost: buf[o + 4]!,
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSequence: buf.readUInt32BE(o + 8),
      jitter: buf.readUInt32BE(o + 12),
      lastSr: buf.readUInt32BE(o + 16),
      delaySinceLastSr: buf.readUInt32BE(o + 20),
    });
  }
  return out;
}

/** RFC 3550 §6.5: chunks of SSRC + items, each chunk ended by a null item and padded to 32 bits. */
function sdesChunks(buf: Buffer, offset: number, count: number, end: number): SourceDescription['chunks'] | undefined {
  const chunks: SourceDescription['chunks'] = [];
  let o = offset;
  for (let i = 0; i < count; i++) {
    if (o + 4 > end) return undefined;
    const chunk = { ssrc: buf.readUInt32BE(o), items: [] as SdesItem[] };
    o += 4;
    for (;;) {
      if (o >= end) return undefined;
      const type = buf[o]!;
      if (type === 0) {
        // The null item, then padding to the next 32-bit boundary.
        o = (o + 4) & ~3;
        break;
      }
      if (o + 2 > end) return undefined;
      const len = buf[o + 1]!;
      if (o + 2 + len > end) return undefined;
      chunk.items.push({ type, text: buf.toString('utf8', o + 2, o + 2 + len) });
      o += 2 + len;
    }
    chunks.push(chunk);
  }
  return o <= end ? chunks : undefined;
}

function bye(buf: Buffer, offset: number, count: number, end: number): Goodbye | undefined {
  if (offset + 4 * count > end) return undefined;
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(buf.readUInt32BE(offset + 4 * i));
  const o = offset + 4 * count;
  // RFC 3550 §6.6: an optional length-prefixed reason follows the SSRCs.
  if (o < end) {
    const len = buf[o]!;
    if (o + 1 + len > end) return undefined;
    return { type: 'bye', ssrcs, reason: buf.toString('utf8', o + 1, o + 1 + len) };
  }
  return { type: 'bye', ssrcs };
}

function feedback(buf: Buffer, pt: number, fmt: number, offset: number, end: number): RtcpPacket | string {
  // RFC 4585 §6.1: sender SSRC and media source SSRC, then the FCI.
  if (offset + 8 > end) return 'feedback packet shorter than its two SSRCs';
  const senderSsrc = buf.readUInt32BE(offset);
  const mediaSsrc = buf.readUInt32BE(offset + 4);
  if (pt === RTCP_PT.PSFB && fmt === PSFB_FMT.PLI) return { type: 'pli', senderSsrc, mediaSsrc };
  if (pt === RTCP_PT.PSFB && fmt === PSFB_FMT.FIR) {
    // RFC 5104 §4.3.1.1: FCI entries of 8 bytes: SSRC, seq nr, 24 reserved bits.
    const fci = end - offset - 8;
    if (fci === 0 || fci % 8 !== 0) return 'FIR without whole FCI entries';
    const entries: FullIntraRequest['entries'] = [];
    for (let o = offset + 8; o < end; o += 8) entries.push({ ssrc: buf.readUInt32BE(o), sequence: buf[o + 4]! });
    return { type: 'fir', senderSsrc, mediaSsrc, entries };
  }
  return { type: 'feedback', packetType: pt, fmt, senderSsrc, mediaSsrc };
}

function one(buf: Buffer, start: number, pt: number, count: number, end: number): RtcpPacket | string {
  const body = start + 4;
  switch (pt) {
    case RTCP_PT.SR: {
      if (body + 24 > end) return 'SR shorter than its sender info';
      const reports = reportBlocks(buf, body + 24, count, end);
      if (!reports) return 'SR report blocks overrun the packet';
      return {
        type: 'sr',
        ssrc: buf.readUInt32BE(body),
        ntpSeconds: buf.readUInt32BE(body + 4),
        ntpFraction: buf.readUInt32BE(body + 8),
        rtpTimestamp: buf.readUInt32BE(body + 12),
        packetCount: buf.readUInt32BE(body + 16),
        octetCount: buf.readUInt32BE(body + 20),
        reports,
      };
    }
    case RTCP_PT.RR: {
      if (body + 4 > end) return 'RR without SSRC';
      const reports = reportBlocks(buf, body + 4, count, end);
      if (!reports) return 'RR report blocks overrun the packet';
      return { type: 'rr', ssrc: buf.readUInt32BE(body), reports };
    }
    case RTCP_PT.SDES: {
      const chunks = sdesChunks(buf, body, count, end);
      return chunks ? { type: 'sdes', chunks } : 'SDES chunk overruns the packet';
    }
    case RTCP_PT.BYE:
      return bye(buf, body, count, end) ?? 'BYE overruns the packet';
    case RTCP_PT.RTPFB:
    case RTCP_PT.PSFB:
      return feedback(buf, pt, count, body, end);
    default:
      return { type: 'other', packetType: pt, count };
  }
}

/**
 * Every packet of a compound, in order. RFC 3550 §A.2's checks, relaxed
 * where real peers differ: the first packet need not be SR/RR (RFC 5506
 * reduced-size RTCP sends a lone PLI), and padding is honoured in any
 * packet, not only the last.
 */
export function parseRtcp(buf: Buffer): RtcpCompound {
  const packets: RtcpPacket[] = [];
  let o = 0;
  try {
    while (o < buf.length) {
      if (o + 4 > buf.length) return { packets, error: `${buf.length - o} stray bytes after the last packet` };
      const b0 = buf[o]!;
      if (b0 >> 6 !== 2) return { packets, error: `version ${b0 >> 6}, not 2` };
      const pt = buf[o + 1]!;
      if (pt < 192 || pt > 223) return { packets, error: `packet type ${pt} is not RTCP` };
      // RFC 3550 §6.4.1: length in 32-bit words minus one, header included.
      const end = o + 4 * (buf.readUInt16BE(o + 2) + 1);
      if (end > buf.length) return { packets, error: `packet of ${end - o} bytes overruns the ${buf.length - o} left` };
      let bodyEnd = end;
      if (b0 & 0x20) {
        const pad = buf[end - 1]!;
        if (pad === 0 || pad > end - o - 4) return { packets, error: `bad padding ${pad}` };
        bodyEnd = end - pad;
      }
      const p = one(buf, o, pt, b0 & 0x1f, bodyEnd);
      if (typeof p === 'string') return { packets, error: p };
      packets.push(p);
      o = end;
    }
  } catch (e) {
    // Every read above is bounds-checked; this is the belt to those braces.
    return { packets, error: `unreadable: ${errorMessage(e)}` };
  }
  if (packets.length === 0) return { packets, error: 'empty' };
  return { packets };
}
