/** Our side of the SDP, from what the media engine can do right now. */
import { randomBytes } from 'node:crypto';
import type { MediaCapabilities } from '../media/media-engine.js';
import { audioCodecs, H264 } from '../sdp/codecs.js';
import type { LocalMedia, SdesKey } from '../sdp/types.js';

/**
 * A stable o= session id per call, version bumped on every new offer or answer (RFC 3264 §8).
 * `audioKey`: the call's own SDES key for the audio we send (one per call, the same for every
 * fork, since every fork may become the talk). Video uses the engine's key: one srtpenc feeds
 * every screen.
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
