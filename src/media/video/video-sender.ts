/**
 * The camera, encoded once and sent to every destination (an early dialog
 * per ringing screen, then the one that answered). Destinations are
 * multiudpsink clients set live; each new one asks the encoder for a key
 * frame at once, so its screen shows a picture within a frame or two
 * instead of at the next GOP.
 *
 * `preroll` keeps the camera playing with no destination, the encoder
 * idle behind its valve (first frame = the next camera frame, encoded as a
 * key frame, after a destination is added); otherwise the pipeline starts
 * with the first destination and stops after the last.
 */
import { KeyFrameLimiter, type KeyFrameOutcome } from './key-frame-limiter.js';
import { ManagedPipeline } from '../gst/managed-pipeline.js';
import { parsePayloaderStats, SenderCounters, type PayloaderStats } from './payloader-counters.js';
import { PipelineSupervisor } from '../gst/pipeline-supervisor.js';
import { TypedEmitter } from '../../events/typed-emitter.js';
import type { SenderInfo } from '../rtcp/rtcp-wire.js';
import type { VideoDestination, VideoDestinationStats } from '../media-engine.js';
import { keyFramePeriodMs } from './video-encoder.js';
import { VIDEO_NAMES, WATCHDOG_MS, clientsString, videoPipelineDescription, videoSinks, type VideoPipelineSettings } from './video-pipeline.js';

export interface VideoSenderEvents extends Record<string, unknown[]> {
  up: [];
  down: [reason: string, retryInMs: number, attempt: number];
  warning: [text: string];
}

/** A destination as the sender knows it (RTCP figures are rtcp/video-rtcp.ts's). */
export type SenderDestination = Omit<VideoDestinationStats, 'rtcpStats'>;

export interface VideoSenderStats {
  running: boolean;
  playing: boolean;
  payloadType: number;
  destinations: SenderDestination[];
  failures: number;
  keyFramesForced: number;
  keyFrameRequestsCoalesced: number;
  unconfirmedPollerEnds: number;
}

export interface VideoSenderOptions {
  settings: VideoPipelineSettings;
  preroll: boolean;
  now?: () => number;
  /** At most one requested (PLI/FIR) key frame per this many ms; see key-frame-limiter.ts. */
  keyFrameIntervalMs?: number;
}

/** HMAC_SHA1_80's tag after each SRTP packet (RFC 3711 §3.1, §4.2.1), the only suite srtpenc is given. */
const SRTP_AUTH_TAG = 10;

/** Sender reports between two reads of the payloader's full `stats`. */
const STATS_REREAD = 60;

/** 500 ms: a screen that lost its picture has it back within about half a second, and a lossy one can't make more than 2 I-frames/s. */
const KEY_FRAME_INTERVAL_MS = 500;

export class VideoSender extends TypedEmitter<VideoSenderEvents> {
  private readonly pipeline: ManagedPipeline;
  private readonly supervisor: PipelineSupervisor;
  private readonly dests = new Map<string, SenderDestination>();
  private readonly limiter: KeyFrameLimiter;
  private readonly counters = new SenderCounters();
  /** The payloader's `stats` of this run (SSRC and offsets are fixed per run), and how many reads since. */
  private runStats: { stats: PayloaderStats; reads: number } | undefined;
  private enabled = false;
  /** A pull of the newest frame is pending (it holds a threadpool thread until it returns). */
  private pullingNewest = false;
  private holds = 0;
  private failures = 0;
  private keyFrames = 0;
  private payloadType: number;
  private readonly now: () => number;
  private readonly sinks: { plain: boolean; srtp: boolean };

  /** Throws GstError when the description doesn't parse (a bad `video_source`). */
  constructor(private readonly opts: VideoSenderOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.payloadType = opts.settings.payloadType;
    this.sinks = videoSinks(opts.settings);
    this.pipeline = new ManagedPipeline(videoPipelineDescription(opts.settings), {
      watchdog: { element: VIDEO_NAMES.watchdog, reason: `no camera frame for ${WATCHDOG_MS / 1000} s (the camera ended, stalled or went away)` },
    });
    this.supervisor = new PipelineSupervisor(this.pipeline);
    this.supervisor.on('up', () => {
      // A new run: rtph264pay picked a new SSRC and offsets (READY→PAUSED).
      this.runStats = undefined;
      this.emit('up');
    });
    this.supervisor.on('down', (reason, retry, attempt) => {
      this.failures++;
      this.emit('down', reason, retry, attempt);
    });
    this.supervisor.on('warning', (t) => this.emit('warning', t));
    this.limiter = new KeyFrameLimiter({
      minIntervalMs: opts.keyFrameIntervalMs ?? KEY_FRAME_INTERVAL_MS,
      periodMs: keyFramePeriodMs(opts.settings.framerate),
      // One frame: a periodic key frame that late still answers a PLI about as soon as a forced one.
      slackMs: Math.round(1000 / opts.settings.framerate),
      now: this.now,
      force: () => {
        try {
          if (!this.forceKeyFrame()) return false;
        } catch (e) {
          // From a timer: a throw here would be uncaught.
          this.emit('warning', `key frame: ${(e as Error).message}`);
          return false;
        }
        this.keyFrames++;
        return true;
      },
    });
  }

  /** The engine started: a prerolled pipeline starts now. */
  enable(): void {
    this.enabled = true;
    this.update();
  }

  disable(): void {
    this.enabled = false;
    this.dests.clear();
    this.holds = 0;
    this.limiter.dispose();
    this.setClients();
    this.supervisor.stop();
  }

  add(id: string, dest: VideoDestination): void {
    const known = this.dests.get(id);
    if (known && known.address === dest.address && known.port === dest.port && known.payloadType === dest.payloadType && !!known.srtp === !!dest.srtp) return;
    if (dest.srtp ? !this.sinks.srtp : !this.sinks.plain) {
      // The door layer never asks this (its SDP follows the same media.srtp); never send in the clear what should be keyed.
      this.emit('warning', `destination ${id} wants ${dest.srtp ? 'SRTP' : 'plain RTP'}, which this pipeline does not send: no video to it`);
      return;
    }
    this.choosePayloadType(id, dest.payloadType);
    // Only the SRTP flag is kept: the screen's key is rtcp/video-rtcp.ts's business, and stats must not carry keys (SPEC §5).
    this.dests.set(id, { ...dest, srtp: dest.srtp !== undefined, id, addedAt: this.now(), keyFramesForced: 0 });
    this.setClients();
    this.update();
    // Seen before (a resume, a re-INVITE): through the limit (key-frame-limiter.ts). Not yet PLAYING: the first frame it sends is a key frame anyway.
    if (this.limiter.added(id) === 'new' && this.forceKeyFrame()) {
      this.keyFrames++;
      this.dests.get(id)!.keyFramesForced++;
      this.limiter.noteForced();
    }
  }

  /** A screen asked for a key frame (RTCP PLI/FIR): now, or folded into one soon (key-frame-limiter.ts). */
  requestKeyFrame(): KeyFrameOutcome {
    return this.limiter.request();
  }

  /**
   * Figures for an RTCP sender report, from the payloader and the sink
   * (payloader-counters.ts); undefined when not playing or nothing sent.
   */
  senderInfo(): SenderInfo | undefined {
    if (!this.pipeline.playing) return undefined;
    const pay = this.pipeline.element(VIDEO_NAMES.pay);
    // Every `stats` read leaks its string in the binding (payloader-counters.ts; figures in RELIABILITY.md); `seqnum`
    // and `timestamp` are plain uints and cost nothing. So: `stats` once per run (and once a minute or so, to be safe).
    if (!this.runStats || this.runStats.reads >= STATS_REREAD) {
      const raw = pay.get('stats');
      const parsed = typeof raw === 'string' ? parsePayloaderStats(raw) : undefined;
      if (!parsed) return undefined;
      this.runStats = { stats: parsed, reads: 0 };
    }
    this.runStats.reads++;
    const seqnum = pay.get('seqnum');
    const timestamp = pay.get('timestamp');
    if (typeof seqnum !== 'number' || typeof timestamp !== 'number') return undefined;
    const stats: PayloaderStats = { ...this.runStats.stats, seqnum, timestamp };
    // media.srtp = "mandatory" has no plain sink: count on the SRTP one, less its auth tags.
    const sink = this.sinks.plain ? VIDEO_NAMES.sink : VIDEO_NAMES.srtpSink;
    const bytes = Number(this.pipeline.element(sink).get('bytes-to-serve') ?? 0);
    const mono = performance.now();
    return this.counters.update({
      stats,
      bytesToServe: Number.isFinite(bytes) ? bytes : 0,
      trailerBytes: this.sinks.plain ? 0 : SRTP_AUTH_TAG,
      monoMs: mono,
      wallMs: performance.timeOrigin + mono,
    });
  }

  remove(id: string): void {
    if (!this.dests.delete(id)) return;
    this.setClients();
    this.update();
  }

  has(id: string): boolean {
    return this.dests.has(id);
  }

  get playing(): boolean {
    return this.pipeline.playing;
  }

  /**
   * Keeps the pipeline running while held, whatever preroll says (a
   * snapshot with no call). Returns the release function.
   */
  hold(): () => void {
    this.holds++;
    this.update();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.update();
    };
  }

  /** Resolves once PLAYING, or false after timeoutMs. */
  waitPlaying(timeoutMs: number): Promise<boolean> {
    if (this.pipeline.playing) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.off('up', up);
        resolve(false);
      }, timeoutMs);
      const up = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.once('up', up);
    });
  }

  /** One JPEG of the current frame; undefined after timeoutMs. The snapshot branch is closed otherwise (jpegenc costs CPU). */
  async snapshot(timeoutMs = 3000): Promise<Buffer | undefined> {
    const release = this.hold();
    try {
      const deadline = this.now() + timeoutMs;
      if (!(await this.waitPlaying(timeoutMs))) return undefined;
      const valve = this.pipeline.element(VIDEO_NAMES.snapValve);
      const sink = this.pipeline.appSink(VIDEO_NAMES.snapSink);
      valve.set('drop', false);
      try {
        const pull = () =>
          new Promise<Buffer | undefined>((resolve) => {
            const t = setTimeout(() => resolve(undefined), Math.max(1, deadline - this.now()));
            // A pull that outlives the timeout returns at the next frame (or stop) and frees its thread then.
            sink.pull((buf) => {
              clearTimeout(t);
              resolve(buf ?? undefined);
            });
          });
        // The appsink may still hold a frame from the last snapshot: the second sample is from now.
        if (!(await pull())) return undefined;
        return await pull();
      } finally {
        valve.set('drop', true);
      }
    } finally {
      release();
    }
  }

  stats(): VideoSenderStats {
    return {
      running: this.pipeline.running,
      playing: this.pipeline.playing,
      payloadType: this.payloadType,
      destinations: [...this.dests.values()].map((d) => ({ ...d })),
      failures: this.failures,
      keyFramesForced: this.keyFrames,
      keyFrameRequestsCoalesced: this.limiter.coalesced,
      unconfirmedPollerEnds: this.pipeline.unconfirmedPollerEnds,
    };
  }

  /**
   * A key frame now: the encoder is asked for one, and the newest camera
   * frame is pushed into it again (video-pipeline.ts) so that frame becomes
   * the key frame at once, instead of the next camera frame up to a frame
   * period later. False when not playing.
   */
  private forceKeyFrame(): boolean {
    if (!this.pipeline.forceKeyUnit(VIDEO_NAMES.pay)) return false;
    if (this.opts.settings.newestFrame && !this.pullingNewest) {
      this.pullingNewest = true;
      // Returns at once with the frame the appsink holds (or at the next frame, or null at a stop).
      this.pipeline.appSink(VIDEO_NAMES.newest).pull((buf) => {
        this.pullingNewest = false;
        if (!buf || !this.pipeline.playing || this.dests.size === 0) return;
        try {
          this.pipeline.appSrc(VIDEO_NAMES.newestIn).push(buf);
        } catch (e) {
          this.emit('warning', `newest frame: ${(e as Error).message}`);
        }
      });
    }
    return true;
  }

  private choosePayloadType(id: string, pt: number): void {
    if (pt === this.payloadType) return;
    const others = [...this.dests.keys()].filter((k) => k !== id);
    if (others.length > 0) {
      // One payloader feeds every screen; screens answer with our offer's number in practice (LAB.md).
      this.emit('warning', `destination ${id} wants payload type ${pt}, others get ${this.payloadType}: sending ${this.payloadType}`);
      return;
    }
    this.payloadType = pt;
    this.pipeline.element(VIDEO_NAMES.pay).set('pt', pt);
  }

  /**
   * Each sink gets its share of the destinations: SRTP ones to the srtpenc branch, the rest to the plain one.
   * The encoder's valve opens with the first destination and closes after the last (video-pipeline.ts).
   */
  private setClients(): void {
    const all = [...this.dests.values()];
    this.pipeline.element(VIDEO_NAMES.encValve).set('drop', all.length === 0);
    if (this.sinks.plain) this.pipeline.element(VIDEO_NAMES.sink).set('clients', clientsString(all.filter((d) => !d.srtp)));
    if (this.sinks.srtp) this.pipeline.element(VIDEO_NAMES.srtpSink).set('clients', clientsString(all.filter((d) => d.srtp)));
  }

  private update(): void {
    const want = this.enabled && (this.opts.preroll || this.dests.size > 0 || this.holds > 0);
    if (want) this.supervisor.start();
    else this.supervisor.stop();
  }
}
