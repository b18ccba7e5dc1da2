/**
 * What the door layer sees of media: the MediaEngine interface, its
 * events, and the shapes it takes and gives. Implemented by the GStreamer
 * engine (engine/gst-engine.ts) and by FakeMediaEngine (test/support/) for
 * the layers' unit tests. Addresses are IP literals (the SDP's c= line),
 * never host names. The port imports no implementation file: the shapes
 * the engine's parts share with door and control are declared here once.
 */
import type { DtmfDigit } from '../dtmf.js';

/** The audio codecs the talk pipeline can run (audio/audio-pipeline.ts). */
export type AudioCodecName = 'opus' | 'PCMU' | 'PCMA';

export interface VideoDestination {
  /** The screen's c= address and video m= port. */
  address: string;
  port: number;
  /** The payload type the screen expects for H.264 (its answer's). */
  payloadType: number;
  /**
   * When the screen's answer took SRTP: its video goes out with our video key
   * (capabilities().video.srtpKey), and so does its RTCP as SRTCP (RFC 3711 §3.4);
   * `remoteKey` is the screen's own key (base64 key||salt, from the a=crypto of its
   * answer's video m-line) that authenticates the SRTCP it sends us. Absent: plain RTP and RTCP.
   */
  srtp?: { remoteKey: string };
  /**
   * Where our RTCP for this video goes: the SDP's a=rtcp (RFC 3605), or
   * the RTP port under a=rtcp-mux (RFC 5761). Absent: address, port + 1
   * (RFC 3550 §11).
   */
  rtcp?: { address: string; port: number };
}

export interface TalkParams {
  address: string;
  port: number;
  codec: AudioCodecName;
  payloadType: number;
  /** RFC 4733 telephone-event as agreed (the peer's payload type and its clock rate). */
  dtmf?: { payloadType: number; clockRate: number };
  /** SDES keys (base64 key||salt) when SRTP was agreed: ours protects what we send, the peer's what it sends. DTMF travels inside. */
  srtp?: { local: string; remote: string };
  /**
   * The call this talk belongs to (any string unique per call): RFC 4733
   * presses are remembered for as long as it stays the same, so a press
   * captured earlier in the call and sent again is not a digit (a hold and
   * resume keep it). Absent: the memory starts afresh with each talk.
   */
  session?: string;
}

export interface MediaCapabilities {
  video: {
    available: boolean;
    /** Local port our SDP offers; also the source port of our video RTP. */
    port: number;
    /** Where we receive (and send) the video's RTCP: port + 1 here; 0 when there is none. */
    rtcpPort: number;
    /** The H.264 encoder element in use (`v4l2h264enc`, `x264enc`, `openh264enc`, ...). */
    encoder?: string;
    payloadType: number;
    /**
     * Our SDES key (base64 key||salt) for video SRTP, when media.srtp is on. One for every
     * screen: SDES keys are per sender (RFC 4568 §6.1), and every screen decrypts our one
     * stream with it. It is fixed for the life of the engine, because srtpenc takes its key
     * only from the launch description through this binding (a GstBuffer property).
     */
    srtpKey?: string;
    width: number;
    height: number;
    framerate: number;
  };
  audio: {
    available: boolean;
    /** Local port our SDP offers: we receive and send audio RTP (and DTMF) on it. */
    port: number;
    /** Configured codecs, in order of preference. */
    codecs: AudioCodecName[];
    /** Whether we capture (false for `audio_source = "none"`). */
    send: boolean;
  };
}

export type MediaComponent = 'video' | 'audio' | 'engine';

export interface MediaError {
  component: MediaComponent;
  message: string;
  /** When it will be tried again; absent when it won't be (a fatal config problem). */
  retryInMs?: number;
  attempt?: number;
}

/** RTCP with one screen (RFC 3550 §6.4.1 sender reports out; RFC 4585/5104 feedback in). */
export interface VideoRtcpDestinationStats {
  senderReports: number;
  /** Compound packets received from this screen (readable ones). */
  received: number;
  pliReceived: number;
  firReceived: number;
  /** From the last report block about our video: fraction lost (in 1/256), cumulative lost, interarrival jitter (RTP units). */
  fractionLost?: number;
  cumulativeLost?: number;
  jitter?: number;
  /** SRTP destinations only: packets from it that did not authenticate (bad tag, or too short to carry one: plain RTCP), dropped. */
  srtcpAuthFailures?: number;
  /** SRTP destinations only: SRTCP indices already seen or too old (RFC 3711 §3.3.2), dropped. */
  srtcpReplays?: number;
}

export interface VideoDestinationStats extends Omit<VideoDestination, 'srtp'> {
  id: string;
  /** Whether it gets SRTP. Only the flag: keys stay in the engine (SPEC §5, keys never logged). */
  srtp?: boolean;
  /** Date.now() when added. */
  addedAt: number;
  keyFramesForced: number;
  /** RTCP (RFC 3550 §6.4.1 sender reports out; RFC 4585/5104 feedback in). */
  rtcpStats: VideoRtcpDestinationStats;
}

/** RTCP totals over all screens (rtcp/video-rtcp.ts keeps them). */
export interface VideoRtcpTotals {
  senderReports: number;
  pliReceived: number;
  firReceived: number;
  /** From a source that is no destination, or about another SSRC. */
  ignored: number;
  /** Not RTCP, or not readable (after SRTCP). */
  malformed: number;
  /** SRTCP from SRTP destinations that did not authenticate / was replayed: dropped (RFC 3711 §3.3, §3.4; see VideoRtcpDestinationStats). */
  srtcpAuthFailures: number;
  srtcpReplays: number;
}

/** The talk's counters (audio/audio-session.ts keeps them). */
export interface AudioStats {
  talking: boolean;
  playing: boolean;
  codec?: AudioCodecName;
  remote?: string;
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  /** From an address other than the peer's, or telephone-events from another port than its SDP names: dropped (nobody else may send us DTMF). */
  packetsRejected: number;
  /** Ringing screens that get early audio now (before the answer). */
  earlyDestinations?: number;
  dtmfSent: number;
  dtmfReceived: number;
  failures: number;
  /** Whether the talk is SRTP. */
  srtp?: boolean;
  /** SRTP packets that failed authentication, and replays (RFC 3711 §3.3 steps 2 and 5): dropped. */
  srtpAuthFailures?: number;
  srtpReplays?: number;
}

export interface MediaStats {
  video: {
    running: boolean;
    playing: boolean;
    encoder?: string;
    payloadType: number;
    destinations: VideoDestinationStats[];
    failures: number;
    keyFramesForced: number;
    /** Key frame requests (PLI/FIR) folded into one already pending (video/key-frame-limiter.ts). */
    keyFrameRequestsCoalesced: number;
    rtcp: VideoRtcpTotals;
  };
  audio: AudioStats;
}

export interface MediaEvents extends Record<string, unknown[]> {
  /** One RFC 4733 key press from the talking peer (each press once). */
  dtmf: [digit: DtmfDigit];
  /** Something failed; media goes on trying where `retryInMs` says so. */
  error: [error: MediaError];
  /** A component that had failed is running again. */
  recovered: [component: MediaComponent];
  /** The video pipeline is PLAYING (after start, after each restart). */
  'video-playing': [];
  warning: [text: string];
}

export interface MediaEngine {
  /** Opens the ports and, with `preroll`, starts the camera. Never rejects for GStreamer faults: they are `error` events. */
  start(): Promise<void>;
  /** Ends everything and closes the ports. */
  stop(): Promise<void>;
  capabilities(): MediaCapabilities;
  /** One more screen to stream video to (an early dialog); it gets a key frame at once. Same id again = update. */
  addVideoDestination(id: string, dest: VideoDestination): void;
  removeVideoDestination(id: string): void;
  /**
   * Early audio to one more ringing screen (`early_media = "audio+video"`):
   * the microphone is sent there; nothing it sends is played or read as
   * DTMF. One encoder: a screen whose agreed codec differs from the first
   * one's gets none (a warning says so). Same id again = update.
   */
  addAudioDestination(id: string, params: TalkParams): void;
  /** That screen gets no more early audio (its fork ended, or another answered). */
  removeAudioDestination(id: string): void;
  /** Two-way audio with the screen that answered; replaces any earlier talk and every early audio destination. */
  startTalk(params: TalkParams): void;
  /** Ends the talk and every early audio destination. */
  stopTalk(): void;
  /** RFC 4733 to the talking peer; rejects when there is no talk or no agreed telephone-event. */
  sendDtmf(digit: DtmfDigit, durationMs?: number): Promise<void>;
  /**
   * Writes the current camera frame as JPEG into a new file (O_CREAT|O_EXCL|O_NOFOLLOW: never over an
   * existing file, link or FIFO); rejects when no frame comes in time.
   */
  snapshot(file: string): Promise<void>;
  stats(): MediaStats;
  on<K extends keyof MediaEvents & string>(event: K, listener: (...args: MediaEvents[K]) => void): this;
  off<K extends keyof MediaEvents & string>(event: K, listener: (...args: MediaEvents[K]) => void): this;
  once<K extends keyof MediaEvents & string>(event: K, listener: (...args: MediaEvents[K]) => void): this;
}
