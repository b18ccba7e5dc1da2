/**
 * Offer/answer (RFC 3264) on top of sdp-transform: the remote answer to our
 * offer becomes a per-dialog MediaPlan; a remote offer (incoming call,
 * re-INVITE) gets our answer and a plan.
 */
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { writeSdp } from './offer.js';
import { readSdp as parseSdp } from './read-sdp.js';
import { SdpError, SrtpRequiredError, type Codec, type Direction, type LocalMedia, type LocalStream, type MediaKind, type MediaPlan, type SdesKey, type StreamPlan } from './types.js';

const SUITE = 'AES_CM_128_HMAC_SHA1_80';

function codecsOf(m: MediaDescription): Codec[] {
  const fmtp = new Map((m.fmtp ?? []).map((f) => [f.payload, f.config]));
  const rtp = new Map((m.rtp ?? []).map((r) => [r.payload, r]));
  const pts = String(m.payloads ?? '').split(/\s+/).filter(Boolean).map(Number);
  return pts.flatMap((pt): Codec[] => {
    const r = rtp.get(pt);
    // RFC 3551 static types carry no rtpmap line.
    const staticType = STATIC[pt];
    const name = r?.codec ?? staticType?.name;
    if (!name) return [];
    const clockRate = r?.rate ?? staticType?.clockRate ?? 8000;
    return [{ name, clockRate, channels: r?.encoding, fmtp: fmtp.get(pt), payloadType: pt }];
  });
}

const STATIC: Record<number, { name: string; clockRate: number }> = {
  0: { name: 'PCMU', clockRate: 8000 },
  8: { name: 'PCMA', clockRate: 8000 },
};

const isDtmf = (c: Codec) => c.name.toLowerCase() === 'telephone-event';
const same = (a: Codec, b: Codec) => a.name.toLowerCase() === b.name.toLowerCase() && a.clockRate === b.clockRate;

function canSend(d: Direction) {
  return d === 'sendrecv' || d === 'sendonly';
}
function canRecv(d: Direction) {
  return d === 'sendrecv' || d === 'recvonly';
}
/** RFC 3264 §6.1: what the answerer's direction is for a given offered one. */
function complement(offered: Direction, ours: Direction): Direction {
  const send = canSend(ours) && canRecv(offered);
  const recv = canRecv(ours) && canSend(offered);
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

function connectionOf(sdp: SessionDescription, m: MediaDescription): string {
  const ip = m.connection?.ip ?? sdp.connection?.ip;
  if (!ip) throw new SdpError(`${m.type} stream has no c= address`);
  // "a.b.c.d/ttl" is multicast; we only talk unicast.
  return ip.split('/')[0]!;
}

/**
 * The first a=crypto line we can use (RFC 4568 §6.1): our suite, an
 * inline key of exactly 16+14 bytes, no MKI (it would have to travel in
 * every packet) and no session parameters (UNENCRYPTED_SRTP, KDR, ...:
 * we do none of them, and §6.3 says to skip a line with one we don't do).
 * A lifetime is accepted: we re-key per call long before 2^31 packets.
 */
function keyOf(m: MediaDescription): SdesKey | undefined {
  for (const c of m.crypto ?? []) {
    if (c.suite !== SUITE || !c.config.startsWith('inline:') || c.sessionConfig) continue;
    const [key, ...params] = c.config.slice('inline:'.length).split('|');
    if (params.some((p) => p.includes(':'))) continue;
    if (!key || !/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== 30) continue;
    return { suite: SUITE, key, tag: c.id };
  }
  return undefined;
}

/** Where the peer wants RTCP for this stream (see StreamPlan.rtcpPort). */
function rtcpOf(m: MediaDescription, address: string, muxAgreed: boolean): Pick<StreamPlan, 'rtcpPort' | 'rtcpAddress' | 'rtcpMux'> {
  if (muxAgreed && m.rtcpMux !== undefined) return { rtcpPort: m.port, rtcpAddress: address, rtcpMux: true };
  const port = m.rtcp?.port;
  const valid = typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536;
  // RFC 3605 §2.1: "a=rtcp:PORT IN IP4 ADDR" may name another address; an unspecified one keeps c='s.
  const other = m.rtcp?.address && m.rtcp.address !== '0.0.0.0' && m.rtcp.address !== '::' ? m.rtcp.address : undefined;
  return { rtcpPort: valid ? port : m.port + 1, rtcpAddress: valid && other ? other : address, rtcpMux: false };
}

/** Plan for one stream both sides agreed on, or undefined when none is usable. */
function planStream(
  sdp: SessionDescription,
  m: MediaDescription,
  kind: MediaKind,
  ours: LocalStream,
  ourDirection: Direction,
  srtp: LocalMedia['srtp'],
  /**
   * Whether a=rtcp-mux here means mux: yes in an answer (the screen says
   * where it listens); no in an offer, since our answer never accepts mux
   * and RFC 5761 §5.1.1 then has both sides keep RTCP on its own port.
   */
  muxAgreed: boolean,
): StreamPlan | undefined {
  if (m.port === 0) return undefined;
  const theirs = codecsOf(m);
  const codec = theirs.find((c) => !isDtmf(c) && ours.codecs.some((o) => same(o, c)));
  if (!codec) return undefined;
  const events = theirs.filter(isDtmf);
  const dtmf = kind === 'audio' && ours.codecs.some(isDtmf) ? (events.find((e) => e.clockRate === codec.clockRate) ?? events[0]) : undefined;
  const address = connectionOf(sdp, m);
  const theirDirection = (m.direction ?? 'sendrecv') as Direction;
  // RFC 3264 §8.4: c=0.0.0.0 is the old way of putting us on hold.
  const held = address === '0.0.0.0' || address === '::';
  const remoteKey = srtp === 'off' ? undefined : keyOf(m);
  let keys: StreamPlan['srtp'];
  if (remoteKey && ours.crypto) keys = { local: { ...ours.crypto, tag: remoteKey.tag }, remote: remoteKey };
  else if (srtp === 'mandatory') throw new SrtpRequiredError(`${kind} stream without a usable SRTP key (a=crypto AES_CM_128_HMAC_SHA1_80), and media.srtp is "mandatory"`);
  // RTP/SAVP without a key we can use: plain RTP would not be understood either (RFC 4568 §7.5).
  else if (m.protocol.includes('SAVP')) throw new SrtpRequiredError(`${kind} stream is ${m.protocol} without a usable SRTP key`);
  return {
    kind,
    address,
    port: m.port,
    ...rtcpOf(m, address, muxAgreed),
    codec,
    dtmf,
    send: !held && canSend(ourDirection) && canRecv(theirDirection),
    recv: canRecv(ourDirection) && canSend(theirDirection),
    srtp: keys,
  };
}

/**
 * The answer to our offer (a 18x or 2xx body) → where and how to send, for
 * that dialog. RFC 3264 §6: the answer has our m-lines, in our order.
 */
export function planFromAnswer(answer: string, local: LocalMedia, offered: MediaKind[] = offeredKinds(local)): MediaPlan {
  const sdp = parseSdp(answer);
  if (sdp.media.length !== offered.length) {
    throw new SdpError(`answer has ${sdp.media.length} m-lines for the ${offered.length} offered (RFC 3264 §6)`);
  }
  const plan: MediaPlan = {};
  offered.forEach((kind, i) => {
    const ours = local[kind]!;
    const stream = planStream(sdp, sdp.media[i]!, kind, ours, ours.direction, local.srtp, true);
    if (stream) plan[kind] = stream;
  });
  if (!plan.audio && !plan.video) throw new SdpError('the answer accepts no stream');
  return plan;
}

export function offeredKinds(local: LocalMedia): MediaKind[] {
  return (['audio', 'video'] as const).filter((k) => local[k]);
}

/**
 * Answers a remote offer (incoming call, re-INVITE): the first usable m-line
 * of each kind is accepted with the codecs both have, in the offer's order
 * and with its payload numbers (RFC 3264 §6.1); every other m-line is
 * rejected with port 0 in its place.
 */
export function answerOffer(offer: string, local: LocalMedia): { sdp: string; plan: MediaPlan } {
  const sdp = parseSdp(offer);
  const answerLocal: LocalMedia = { ...local, audio: undefined, video: undefined };
  const plan: MediaPlan = {};
  let srtpRefusal: SrtpRequiredError | undefined;
  const lines: Array<MediaKind | MediaDescription> = sdp.media.map((m) => {
    const kind = m.type as MediaKind;
    const ours = kind === 'audio' || kind === 'video' ? local[kind] : undefined;
    const usableProto = /^RTP\/S?AVPF?$/.test(m.protocol) && !(m.protocol.startsWith('RTP/SAVP') && local.srtp === 'off');
    if (ours && usableProto && !plan[kind]) {
      const offeredDirection = (m.direction ?? 'sendrecv') as Direction;
      const direction = complement(offeredDirection, ours.direction);
      let stream: StreamPlan | undefined;
      try {
        stream = planStream(sdp, m, kind, ours, direction, local.srtp, false);
      } catch (e) {
        if (!(e instanceof SdpError)) throw e;
        if (e instanceof SrtpRequiredError) srtpRefusal ??= e;
      }
      if (stream) {
        plan[kind] = stream;
        const theirs = codecsOf(m);
        const common = theirs.filter((c) => ours.codecs.some((o) => same(o, c)) && (!isDtmf(c) || c.payloadType === stream.dtmf?.payloadType));
        // Our answer carries the codec we send first, then the rest we share.
        const codecs = [stream.codec, ...common.filter((c) => c.payloadType !== stream.codec.payloadType)];
        // RFC 4568 §5.1.2: our answer's crypto line carries the tag of the offered line we accepted.
        answerLocal[kind] = { ...ours, codecs, direction, protocol: m.protocol, crypto: stream.srtp?.local };
        return kind;
      }
    }
    return { type: m.type, port: 0, protocol: m.protocol, payloads: m.payloads, rtp: [], fmtp: [] };
  });
  if (!plan.audio && !plan.video) throw srtpRefusal ?? new SdpError('no offered stream is usable (codecs, transport or SRTP do not match)');
  // media.srtp = "mandatory": every stream we take is keyed, or none is taken (a stream must not go out in the clear).
  if (srtpRefusal && local.srtp === 'mandatory') throw srtpRefusal;
  const srtpUsed = Object.values(plan).some((p) => p?.srtp);
  return { sdp: writeSdp({ ...answerLocal, srtp: srtpUsed ? (local.srtp === 'mandatory' ? 'mandatory' : 'optional') : 'off' }, lines), plan };
}
