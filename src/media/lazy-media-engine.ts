/**
 * The GStreamer media engine, loaded when media starts (issue 14, start-up):
 * the daemon opens its control socket and binds SIP first, and only then
 * are the engine's modules (media/engine, video, audio, rtcp, srtp: a lazy
 * chunk of the bundle) and the GStreamer binding loaded. Until then it
 * answers like an engine not yet started (no video, no audio, ports 0) and
 * ignores destinations, as GstMediaEngine does before its start; commands
 * are held until every service has started (daemon.ts), so a press never
 * sees it unloaded.
 */
import type { MediaConfig } from '../config/schema.js';
import type { DtmfDigit } from '../dtmf.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import type { Logger } from '../log/logger.js';
import type { MediaCapabilities, MediaEngine, MediaEvents, MediaStats, TalkParams, VideoDestination } from './media-engine.js';

export interface LazyMediaEngineOptions {
  config: MediaConfig;
  bindAddress?: string;
  log?: Logger;
}

/** Every event the engine has, passed on as it comes. */
const EVENTS: ReadonlyArray<keyof MediaEvents & string> = ['dtmf', 'error', 'recovered', 'video-playing', 'warning'];

const H264_PT = 96;

export class LazyMediaEngine extends TypedEmitter<MediaEvents> implements MediaEngine {
  private engine: MediaEngine | undefined;

  constructor(private readonly opts: LazyMediaEngineOptions) {
    super();
  }

  async start(): Promise<void> {
    if (!this.engine) {
      const { GstMediaEngine } = await import('./engine/gst-engine.js');
      const engine = new GstMediaEngine(this.opts);
      for (const event of EVENTS) engine.on(event, (...args: unknown[]) => this.emit(event, ...(args as MediaEvents[typeof event])));
      this.engine = engine;
    }
    await this.engine.start();
  }

  async stop(): Promise<void> {
    await this.engine?.stop();
  }

  capabilities(): MediaCapabilities {
    if (this.engine) return this.engine.capabilities();
    const c = this.opts.config;
    return {
      video: { available: false, port: 0, rtcpPort: 0, payloadType: H264_PT, width: c.width, height: c.height, framerate: c.framerate },
      audio: { available: false, port: 0, codecs: [...c.audio_codecs], send: c.audio_source !== 'none' },
    };
  }

  addVideoDestination(id: string, dest: VideoDestination): void {
    this.engine?.addVideoDestination(id, dest);
  }

  removeVideoDestination(id: string): void {
    this.engine?.removeVideoDestination(id);
  }

  addAudioDestination(id: string, params: TalkParams): void {
    this.engine?.addAudioDestination(id, params);
  }

  removeAudioDestination(id: string): void {
    this.engine?.removeAudioDestination(id);
  }

  startTalk(params: TalkParams): void {
    this.engine?.startTalk(params);
  }

  stopTalk(): void {
    this.engine?.stopTalk();
  }

  async sendDtmf(digit: DtmfDigit, durationMs?: number): Promise<void> {
    if (!this.engine) throw new Error('no call with audio');
    await this.engine.sendDtmf(digit, durationMs);
  }

  async snapshot(file: string): Promise<void> {
    if (!this.engine) throw new Error('no video source');
    await this.engine.snapshot(file);
  }

  stats(): MediaStats {
    if (this.engine) return this.engine.stats();
    const zero = { senderReports: 0, pliReceived: 0, firReceived: 0, ignored: 0, malformed: 0, srtcpAuthFailures: 0, srtcpReplays: 0 };
    return {
      video: { running: false, playing: false, payloadType: H264_PT, destinations: [], failures: 0, keyFramesForced: 0, keyFrameRequestsCoalesced: 0, rtcp: zero },
      audio: {
        talking: false,
        playing: false,
        packetsSent: 0,
        bytesSent: 0,
        packetsReceived: 0,
        bytesReceived: 0,
        packetsRejected: 0,
        dtmfSent: 0,
        dtmfReceived: 0,
        failures: 0,
        srtp: false,
        srtpAuthFailures: 0,
        srtpReplays: 0,
      },
    };
  }
}
