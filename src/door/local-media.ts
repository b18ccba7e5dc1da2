/** Our side of the SDP, from what the media engine can do right now. */
import { randomBytes } from 'node:crypto';
import type { MediaCapabilities } from '../media/types.js';
import { audioCodecs, H264 } from '../sdp/codecs.js';
import type { LocalMedia, SdesKey } from '../sdp/types.js';

/** A stable o= session id per call, version bumped on every new offer or answer (RFC 3264 §8). */
export function localMedia(caps: MediaCapabilities, address: string, srtp: LocalMedia['srtp'], sessionId: string, version: number): LocalMedia {
  const key: SdesKey | undefined = srtp === 'off' ? undefined : { suite: 'AES_CM_128_HMAC_SHA1_80', key: randomBytes(30).toString('base64') };
  return {
    address,
    sessionId,
    sessionVersion: version,
    srtp,
    audio: caps.audio.available ? { port: caps.audio.port, codecs: audioCodecs(caps.audio.codecs), direction: caps.audio.send ? 'sendrecv' : 'recvonly', crypto: key } : undefined,
    video: caps.video.available ? { port: caps.video.port, rtcpPort: caps.video.rtcpPort || undefined, codecs: [{ ...H264, payloadType: caps.video.payloadType }], direction: 'sendonly', crypto: key } : undefined,
  };
}

export const newSessionId = (): string => String(randomBytes(4).readUInt32BE(0));
