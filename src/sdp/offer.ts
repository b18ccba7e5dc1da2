/**
 * Our SDP (RFC 4566) for an offer, or for an answer once the streams are
 * chosen: the same writer serves both (RFC 3264 §5 and §6).
 */
import { write, type MediaDescription } from 'sdp-transform';
import type { LocalMedia, LocalStream, MediaKind } from './types.js';

/**
 * `lines` gives the m-lines in order: a kind is written from `local`, a
 * description is written as is (an answer's rejected m-line, port 0, which
 * must keep its place: RFC 3264 §6).
 */
export function writeSdp(local: LocalMedia, lines: ReadonlyArray<MediaKind | MediaDescription> = ['audio', 'video']): string {
  const ipVer = local.address.includes(':') ? 6 : 4;
  const media: MediaDescription[] = [];
  for (const line of lines) {
    if (typeof line !== 'string') media.push(line);
    else if (local[line]) media.push(describe(line, local[line], local.srtp));
  }
  return write({
    version: 0,
    origin: { username: 'doorstation', sessionId: local.sessionId, sessionVersion: local.sessionVersion, netType: 'IN', ipVer, address: local.address },
    name: 'doorstation',
    connection: { version: ipVer, ip: local.address },
    timing: { start: 0, stop: 0 },
    media,
  });
}

export const buildOffer = (local: LocalMedia): string => writeSdp(local);

function describe(kind: MediaKind, s: LocalStream, srtp: LocalMedia['srtp']): MediaDescription {
  const m: MediaDescription = {
    type: kind,
    port: s.port,
    // RFC 4568 §7.5: SDES in RTP/AVP is the "best effort" form peers accept without failing the call.
    protocol: s.protocol ?? (srtp === 'mandatory' ? 'RTP/SAVP' : 'RTP/AVP'),
    payloads: s.codecs.map((c) => c.payloadType).join(' '),
    rtp: s.codecs.map((c) => ({ payload: c.payloadType, codec: c.name, rate: c.clockRate, ...(c.channels && c.channels > 1 ? { encoding: c.channels } : {}) })),
    fmtp: s.codecs.filter((c) => c.fmtp).map((c) => ({ payload: c.payloadType, config: c.fmtp! })),
    direction: s.direction,
  };
  // RFC 3605: say where RTCP is only when it isn't where RFC 3550 §11 puts it.
  if (s.rtcpPort !== undefined && s.rtcpPort > 0 && s.rtcpPort !== s.port + 1 && s.port !== 0) m.rtcp = { port: s.rtcpPort };
  if (kind === 'video') {
    // A screen that lost packets asks for a keyframe rather than freezing: PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §7.1).
    // video-rtcp.ts answers both on our RTCP port.
    m.rtcpFb = s.codecs.flatMap((c) => [
      { payload: c.payloadType, type: 'nack', subtype: 'pli' },
      { payload: c.payloadType, type: 'ccm', subtype: 'fir' },
    ]);
  }
  // RFC 4568 §9.1: one a=crypto per stream; our key for what we send on it.
  if (s.crypto && srtp !== 'off') m.crypto = [{ id: s.crypto.tag ?? 1, suite: s.crypto.suite, config: `inline:${s.crypto.key}` }];
  return m;
}
