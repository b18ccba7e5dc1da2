/** What offer/answer works with: codecs, our side's media, the agreed plan per stream. */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
export type MediaKind = 'audio' | 'video';

export interface Codec {
  /** Encoding name as in a=rtpmap, e.g. `H264`, `opus`, `PCMU`, `telephone-event`. */
  name: string;
  clockRate: number;
  channels?: number;
  fmtp?: string;
  payloadType: number;
}

/** SDES keying (RFC 4568): suite and base64 key||salt. */
export interface SdesKey {
  suite: 'AES_CM_128_HMAC_SHA1_80';
  key: string;
  /** The a=crypto tag; an answer repeats the tag of the offered line it accepts (RFC 4568 §5.1.2). 1 when absent. */
  tag?: number;
}

export interface LocalStream {
  port: number;
  /** In our order of preference; telephone-event (audio) last. */
  codecs: Codec[];
  direction: Direction;
  /** m= transport; by default RTP/AVP, or RTP/SAVP when SRTP is mandatory. An answer echoes the offer's. */
  protocol?: string;
  /** Our key for what we send, when SRTP is on. */
  crypto?: SdesKey;
  /** Where we take this stream's RTCP; written as a=rtcp (RFC 3605) only when it is not port + 1. */
  rtcpPort?: number;
}

export interface LocalMedia {
  /** Address the peer sends RTP to (c=). */
  address: string;
  sessionId: string;
  sessionVersion: number;
  audio?: LocalStream;
  video?: LocalStream;
  /** `mandatory` offers RTP/SAVP; `optional` offers RTP/AVP with crypto lines (best-effort SDES). */
  srtp: 'off' | 'optional' | 'mandatory';
}

/** The agreed stream toward one peer (one dialog). */
export interface StreamPlan {
  kind: MediaKind;
  /** Where we send: the peer's c= and m= port. */
  address: string;
  port: number;
  /**
   * Where the peer takes RTCP: a=rtcp's port and address (RFC 3605), its
   * RTP port under a=rtcp-mux (RFC 5761 §5.1.1), else port + 1 (RFC 3550 §11).
   */
  rtcpPort: number;
  rtcpAddress: string;
  rtcpMux: boolean;
  /** The codec to send, with the peer's payload type number (RFC 3264 §5.1: the numbers it expects to receive). */
  codec: Codec;
  /** RFC 4733 events, with the peer's payload type, when both sides have them. */
  dtmf?: Codec;
  send: boolean;
  recv: boolean;
  /** Keys when SRTP was agreed: ours for sending, theirs for receiving. */
  srtp?: { local: SdesKey; remote: SdesKey };
}

export interface MediaPlan {
  audio?: StreamPlan;
  video?: StreamPlan;
}

export class SdpError extends Error {
  override name = 'SdpError';
}

/** The peer's SDP has no usable SDES key and media.srtp is "mandatory" (or the peer insists on RTP/SAVP we can't key). */
export class SrtpRequiredError extends SdpError {
  override name = 'SrtpRequiredError';
}
