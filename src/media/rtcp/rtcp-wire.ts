/**
 * The RTCP wire shapes that both the reader (rtcp-packet.ts) and the writer
 * (rtcp-build.ts) use: packet types, feedback formats, the sender info and
 * the report block (RFC 3550 §6.4.1, RFC 4585 §6.1, RFC 5104 §4.3.1). A
 * leaf, so reader and writer import it and never each other. Whether a
 * packet is RTCP at all is one rule for RTP and RTCP alike: isRtcp in
 * ../rtp/rtp-header.ts (RFC 5761 §4).
 */

export const RTCP_PT = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204, RTPFB: 205, PSFB: 206 } as const;
export const PSFB_FMT = { PLI: 1, FIR: 4 } as const;

/** RFC 3550 §6.4.1: the sender info of a sender report. */
export interface SenderInfo {
  ssrc: number;
  /** NTP timestamp of this report (RFC 3550 §4): seconds since 1900 and 2^-32 fractions. */
  ntpSeconds: number;
  ntpFraction: number;
  /** The RTP timestamp of the same instant, on the media clock (not that of any packet sent). */
  rtpTimestamp: number;
  packetCount: number;
  /** Payload octets sent (headers and padding not counted). */
  octetCount: number;
}

/** RFC 3550 §6.4.1: one reception report block (24 bytes). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, in 1/256. */
  fractionLost: number;
  /** Cumulative packets lost: signed 24 bits (duplicates can make it negative). */
  cumulativeLost: number;
  highestSequence: number;
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
}
