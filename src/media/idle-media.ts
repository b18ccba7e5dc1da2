/**
 * What a media engine reports before it has video, audio or RTCP: before its
 * start, or where one of them failed. Kept apart from the engine so that the
 * lazy engine (lazy-media-engine.ts) answers the same without loading
 * GStreamer, and GstMediaEngine, VideoRtcp and AudioSession start from it.
 */
import type { MediaConfig } from '../config/schema.js';
import type { AudioStats, MediaCapabilities, MediaStats, VideoRtcpTotals } from './media-engine.js';

/** The payload type we offer for H.264 until a screen answers another (sdp/codecs.ts offers 96). */
export const H264_PAYLOAD_TYPE = 96;

/** The totals before any RTCP (and when there is no video RTCP at all). */
export function zeroRtcpTotals(): VideoRtcpTotals {
  return { senderReports: 0, pliReceived: 0, firReceived: 0, ignored: 0, malformed: 0, srtcpAuthFailures: 0, srtcpReplays: 0 };
}

/** A talk's counters before its first packet. */
export function zeroAudioCounters() {
  return { packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0, packetsRejected: 0, dtmfSent: 0, dtmfReceived: 0, failures: 0 };
}

/** The stats when there is no audio session at all (the engine without audio). */
export function idleAudioStats(): AudioStats {
  return { talking: false, playing: false, ...zeroAudioCounters(), srtp: false, srtpAuthFailures: 0, srtpReplays: 0 };
}

/** An engine with neither video nor audio: no ports, the configured format. */
export function idleCapabilities(c: MediaConfig): MediaCapabilities {
  return {
    video: { available: false, port: 0, rtcpPort: 0, payloadType: H264_PAYLOAD_TYPE, width: c.width, height: c.height, framerate: c.framerate },
    audio: { available: false, port: 0, codecs: [...c.audio_codecs], send: c.audio_source !== 'none' },
  };
}

export function idleMediaStats(): MediaStats {
  return {
    video: {
      running: false,
      playing: false,
      payloadType: H264_PAYLOAD_TYPE,
      destinations: [],
      failures: 0,
      keyFramesForced: 0,
      keyFrameRequestsCoalesced: 0,
      rtcp: zeroRtcpTotals(),
    },
    audio: idleAudioStats(),
  };
}
