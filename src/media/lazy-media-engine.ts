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
import { idleCapabilities, idleMediaStats } from './idle-media.js';
import type { MediaCapabilities, MediaEngine, MediaEvents, MediaStats, TalkParams, VideoDestination } from './media-engine.js';

export interface LazyMediaEngineOptions {
  config: MediaConfig;
  bindAddress?: string;
  log?: Logger;
}

/** Every event the engine has, passed on as it comes. */
const EVENTS: ReadonlyArray<keyof MediaEvents & string> = ['dtmf', 'error', 'recovered', 'video-playing', 'warning'];

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
    return this.engine?.capabilities() ?? idleCapabilities(this.opts.config);
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
    return this.engine?.stats() ?? idleMediaStats();
  }
}
