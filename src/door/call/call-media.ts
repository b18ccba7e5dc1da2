/**
 * The call's SDP plan ↔ the media engine, in one place (the role of
 * SIP.js's SessionDescriptionHandler): our side of the SDP from what the
 * engine can do, a screen's agreed video as a video destination, the
 * agreed audio as the talk.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log/logger.js';
import { destinationProblem } from '../../media/destination-rules.js';
import type { MediaCapabilities, MediaEngine, TalkParams, VideoDestination } from '../../media/media-engine.js';
import { audioCodecs, H264 } from '../../sdp/codecs.js';
import type { LocalMedia, MediaPlan, SdesKey, StreamPlan } from '../../sdp/types.js';

/**
 * Our side of the SDP, from what the media engine can do right now. A
 * stable o= session id per call, version bumped on every new offer or
 * answer (RFC 3264 §8). `audioKey`: the call's own SDES key for the audio
 * we send (one per call, the same for every fork, since every fork may
 * become the talk). Video uses the engine's key: one srtpenc feeds every screen.
 */
export function localMedia(caps: MediaCapabilities, address: string, srtp: LocalMedia['srtp'], sessionId: string, version: number, audioKey?: string): LocalMedia {
  const sdes = (key: string | undefined): SdesKey | undefined => (srtp !== 'off' && key ? { suite: 'AES_CM_128_HMAC_SHA1_80', key } : undefined);
  return {
    address,
    sessionId,
    sessionVersion: version,
    srtp,
    audio: caps.audio.available ? { port: caps.audio.port, codecs: audioCodecs(caps.audio.codecs), direction: caps.audio.send ? 'sendrecv' : 'recvonly', crypto: sdes(audioKey) } : undefined,
    video: caps.video.available ? { port: caps.video.port, rtcpPort: caps.video.rtcpPort || undefined, codecs: [{ ...H264, payloadType: caps.video.payloadType }], direction: 'sendonly', crypto: sdes(caps.video.srtpKey) } : undefined,
  };
}

/** RFC 4568 §6.1 / §6.2.1: 16-byte master key || 14-byte master salt from the CSPRNG, base64 for `inline:`. */
export const newSdesKey = (): string => randomBytes(30).toString('base64');

export const newSessionId = (): string => String(randomBytes(4).readUInt32BE(0));

/** A screen's agreed video stream as the media engine's destination: RTP (SRTP when it took our key) there, our RTCP (SRTCP likewise) where its SDP said. */
export function videoDestination(v: StreamPlan): VideoDestination {
  const dest: VideoDestination = { address: v.address, port: v.port, payloadType: v.codec.payloadType, rtcp: { address: v.rtcpAddress, port: v.rtcpPort } };
  // The screen's key from its answer's video a=crypto: what authenticates its SRTCP (PLI/FIR/RR, RFC 3711 §3.4).
  if (v.srtp) dest.srtp = { remoteKey: v.srtp.remote.key };
  return dest;
}

/** The agreed audio as the engine's talk; undefined when neither side sends. `session`: the call's (TalkParams.session). */
export function talkParams(a: StreamPlan | undefined, session?: string): TalkParams | undefined {
  if (!a || (!a.send && !a.recv)) return undefined;
  const codec = a.codec.name.toLowerCase() === 'opus' ? 'opus' : a.codec.name.toUpperCase() === 'PCMA' ? 'PCMA' : 'PCMU';
  return {
    address: a.address,
    port: a.port,
    codec,
    payloadType: a.codec.payloadType,
    dtmf: a.dtmf ? { payloadType: a.dtmf.payloadType, clockRate: a.dtmf.clockRate } : undefined,
    srtp: a.srtp ? { local: a.srtp.local.key, remote: a.srtp.remote.key } : undefined,
    ...(session !== undefined ? { session } : {}),
  };
}

function sameTalk(a: TalkParams, b: TalkParams): boolean {
  return (
    a.address === b.address &&
    a.port === b.port &&
    a.codec === b.codec &&
    a.payloadType === b.payloadType &&
    a.dtmf?.payloadType === b.dtmf?.payloadType &&
    a.dtmf?.clockRate === b.dtmf?.clockRate &&
    a.srtp?.local === b.srtp?.local &&
    a.srtp?.remote === b.srtp?.remote
  );
}

/**
 * `plan` without the streams whose RTP or RTCP address no screen could own
 * (media/destination-rules.ts: no broadcast, multicast, unspecified, nor
 * loopback unless `signalling` is); each one dropped is a warning after `what`.
 */
export function ownablePlan(plan: MediaPlan, signalling: string | undefined, log: Pick<Logger, 'warn'>, what: string): MediaPlan {
  const out: MediaPlan = {};
  for (const kind of ['audio', 'video'] as const) {
    const s = plan[kind];
    if (!s) continue;
    const problem = destinationProblem(s.address, signalling) ?? (s.rtcpAddress !== s.address ? destinationProblem(s.rtcpAddress, signalling) : undefined);
    if (problem) log.warn(`${what}: no ${kind}: ${problem}`);
    else out[kind] = s;
  }
  return out;
}

/** `sendrecv` … `inactive` of an agreed stream, for log lines. */
export function direction(s: StreamPlan | undefined): string {
  if (!s) return 'none';
  return s.send && s.recv ? 'sendrecv' : s.send ? 'sendonly' : s.recv ? 'recvonly' : 'inactive';
}

/** One call's use of the media engine. */
export class CallMedia {
  private readonly sessionId = newSessionId();
  /** Our SDES key for audio in this call: the same in every fork's offer, a new one per call. */
  private readonly audioKey = newSdesKey();
  /** The audio we send and receive now, if any. */
  private talk: TalkParams | undefined;
  /** Keys of the ringing screens that get early audio now. */
  private readonly early = new Set<string>();

  constructor(
    readonly engine: MediaEngine,
    private readonly srtp: LocalMedia['srtp'],
  ) {}

  /** Our SDP's media at `address` (the address the peer reaches us at), first version. */
  local(address: string): LocalMedia {
    return localMedia(this.engine.capabilities(), address, this.srtp, this.sessionId, 1, this.audioKey);
  }

  get talking(): boolean {
    return this.talk !== undefined;
  }

  showVideo(key: string, video: StreamPlan): void {
    this.engine.addVideoDestination(key, videoDestination(video));
  }

  hideVideo(key: string): void {
    this.engine.removeVideoDestination(key);
  }

  /**
   * Early audio to one ringing screen, when it takes audio from us (its
   * SDP says it receives): the microphone goes there, nothing it sends is
   * heard or read as a digit until it answers.
   */
  showAudio(key: string, plan: MediaPlan): boolean {
    const params = plan.audio?.send ? talkParams(plan.audio, this.sessionId) : undefined;
    if (!params) return false;
    this.early.add(key);
    this.engine.addAudioDestination(key, params);
    return true;
  }

  /** That screen gets no more early audio. */
  hideAudio(key: string): void {
    if (this.early.delete(key)) this.engine.removeAudioDestination(key);
  }

  /** Two-way audio as `plan` agreed; the same talk again changes nothing. It replaces every early audio destination. */
  startTalk(plan: MediaPlan): void {
    const params = talkParams(plan.audio, this.sessionId);
    if (!params) return;
    if (this.talk && sameTalk(this.talk, params)) return;
    this.talk = params;
    this.early.clear();
    this.engine.startTalk(params);
  }

  /** Whether audio goes anywhere now (a talk, or early audio to a ringing screen). */
  get sending(): boolean {
    return this.talk !== undefined || this.early.size > 0;
  }

  stopTalk(): void {
    this.talk = undefined;
    this.early.clear();
    this.engine.stopTalk();
  }
}
