/** A screen's agreed video stream as the media engine's destination: RTP (SRTP when it took our key) there, our RTCP where its SDP said. */
import type { VideoDestination } from '../media/types.js';
import type { StreamPlan } from '../sdp/types.js';

export function videoDestination(v: StreamPlan): VideoDestination {
  return { address: v.address, port: v.port, payloadType: v.codec.payloadType, rtcp: { address: v.rtcpAddress, port: v.rtcpPort }, srtp: v.srtp !== undefined };
}
