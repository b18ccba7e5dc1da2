/** A screen's agreed video stream as the media engine's destination: RTP (SRTP when it took our key) there, our RTCP (SRTCP likewise) where its SDP said. */
import type { VideoDestination } from '../media/media-engine.js';
import type { StreamPlan } from '../sdp/types.js';

export function videoDestination(v: StreamPlan): VideoDestination {
  const dest: VideoDestination = { address: v.address, port: v.port, payloadType: v.codec.payloadType, rtcp: { address: v.rtcpAddress, port: v.rtcpPort } };
  // The screen's key from its answer's video a=crypto: what authenticates its SRTCP (PLI/FIR/RR, RFC 3711 §3.4).
  if (v.srtp) dest.srtp = { remoteKey: v.srtp.remote.key };
  return dest;
}
