/**
 * One GStreamer pipeline that can be started and stopped many times, with
 * its bus watched, and every way it can fail turned into one `failed`
 * event (the pipeline is stopped by then). Never throws once constructed.
 *
 * The bus poller of gstreamer-superficial is a loop on a libuv threadpool
 * thread: it blocks until a message, hands it to us, and queues itself
 * again unless the pipeline is in NULL. So:
 * - a poller ends exactly when a message reaches us while the pipeline is
 *   NULL; until we have seen that after a stop, it is still alive and must
 *   not be doubled (a blocked poller would revive on the next play);
 * - `auto-flush-bus` is off, so the messages a stop posts stay on the bus
 *   until popped: the poller always wakes after a stop and ends;
 * - a pipeline that fails to leave NULL (a missing device fails
 *   NULL->READY) ends the poller after one message, which may not be the
 *   error: a watchdog that expects the pipeline's own NULL->READY soon
 *   after play covers that;
 * - what a previous run left on the bus is popped first by the next
 *   poller: messages before the first "NULL -> something" state change are
 *   that leftover and are not acted on.
 */
import { GstError, findAppSink, findAppSrc, findElement, parsePipeline, type GstAppSink, type GstAppSrc, type GstBusMessage, type GstElement, type GstRawPipeline } from './gst.js';
import { TypedEmitter } from '../../events/typed-emitter.js';

export interface ManagedPipelineEvents extends Record<string, unknown[]> {
  /** The pipeline reached PLAYING. */
  playing: [];
  /** It stopped by itself (error, end of stream, start timeout); it is stopped now. */
  failed: [reason: string];
  /** Worth a log line, not a restart. */
  warning: [text: string];
}

export interface ManagedPipelineOptions {
  /** Without the pipeline's NULL->READY by then, the start failed. */
  readyTimeoutMs?: number;
  /** Without PLAYING by then, the start failed (libcamera can take a second or two). */
  playingTimeoutMs?: number;
  /** How long a start waits for the previous poller to be seen ending. */
  pollerEndTimeoutMs?: number;
  /** A `watchdog` element by name, and what its error means (it fires when no buffer passed for its timeout). */
  watchdog?: { element: string; reason: string };
}

const NULL_STATE = 'GST_STATE_NULL';
const PLAYING_STATE = 'GST_STATE_PLAYING';
const PIPELINE_NAME = /^pipeline\d+$/;

export class ManagedPipeline extends TypedEmitter<ManagedPipelineEvents> {
  private readonly raw: GstRawPipeline;
  private readonly elements = new Map<string, GstElement>();
  private readonly sinks = new Map<string, GstAppSink>();
  private readonly srcs = new Map<string, GstAppSrc>();
  private readonly opts: Required<Omit<ManagedPipelineOptions, 'watchdog'>> & Pick<ManagedPipelineOptions, 'watchdog'>;
  /** What we asked for: true between play() and stop(). The real state is NULL whenever this is false. */
  private wanted = false;
  private pollerAlive = false;
  private startQueued = false;
  private fresh = false;
  private left = false;
  private playingNow = false;
  private timers: NodeJS.Timeout[] = [];
  private pollerWait: NodeJS.Timeout | undefined;
  private inCallback = false;
  /**
   * Pollers taken for ended without a message seen after their stop: right
   * after a failed NULL->READY, or (rarely) a poller still alive and now
   * doubled. Each double holds one threadpool thread.
   */
  unconfirmedPollerEnds = 0;

  /** Throws GstError when the description doesn't parse. */
  constructor(
    readonly description: string,
    opts: ManagedPipelineOptions = {},
  ) {
    super();
    this.raw = parsePipeline(description);
    this.raw['auto-flush-bus'] = false;
    this.opts = { readyTimeoutMs: 1500, playingTimeoutMs: 10_000, pollerEndTimeoutMs: 1000, ...opts };
  }

  /** Started and not yet failed or stopped (it may still be on its way to PLAYING). */
  get running(): boolean {
    return this.wanted;
  }

  get playing(): boolean {
    return this.playingNow;
  }

  start(): void {
    if (this.wanted || this.startQueued) return;
    if (this.inCallback) {
      // Playing inside the poller's callback would keep that poller and add a second one.
      setImmediate(() => this.start());
      return;
    }
    if (!this.pollerAlive) {
      this.play();
      return;
    }
    // The last run's poller has not been seen ending yet: starting now would double it.
    this.startQueued = true;
    this.pollerWait = setTimeout(() => {
      // Seen nothing: it ended on a message we took for a running pipeline's (see top).
      this.unconfirmedPollerEnds++;
      this.pollerAlive = false;
      this.runQueuedStart();
    }, this.opts.pollerEndTimeoutMs);
  }

  stop(): void {
    this.startQueued = false;
    if (this.pollerWait) clearTimeout(this.pollerWait);
    if (!this.wanted) return;
    this.halt();
  }

  /** A named element; GstError if the description has none of that name. */
  element(name: string): GstElement {
    let e = this.elements.get(name);
    if (!e) {
      e = findElement(this.raw, name);
      if (!e) throw new GstError(`no element named "${name}"`);
      this.elements.set(name, e);
    }
    return e;
  }

  // Cached: every findChild takes a reference the binding never drops.
  appSink(name: string): GstAppSink {
    let s = this.sinks.get(name);
    if (!s) {
      s = findAppSink(this.raw, name);
      if (!s) throw new GstError(`no appsink named "${name}"`);
      this.sinks.set(name, s);
    }
    return s;
  }

  appSrc(name: string): GstAppSrc {
    let s = this.srcs.get(name);
    if (!s) {
      s = findAppSrc(this.raw, name);
      if (!s) throw new GstError(`no appsrc named "${name}"`);
      this.srcs.set(name, s);
    }
    return s;
  }

  /** Asks the encoder upstream of `element` for a key frame now; false when not running. */
  forceKeyUnit(element: string): boolean {
    if (!this.playingNow) return false;
    this.element(element); // throws for an unknown name instead of a GLib critical
    return this.raw.forceKeyUnit(element, 1);
  }

  private runQueuedStart(): void {
    if (!this.startQueued) return;
    this.startQueued = false;
    if (this.pollerWait) clearTimeout(this.pollerWait);
    this.play();
  }

  private play(): void {
    this.wanted = true;
    this.fresh = false;
    this.left = false;
    this.playingNow = false;
    this.pollerAlive = true;
    this.raw.pollBus((m) => this.onMessage(m));
    this.raw.play();
    this.timers.push(
      setTimeout(() => {
        if (!this.left) this.fail('did not start (still in NULL; a device missing or busy?)');
      }, this.opts.readyTimeoutMs),
      setTimeout(() => {
        if (!this.playingNow) this.fail(`did not reach PLAYING within ${this.opts.playingTimeoutMs} ms`);
      }, this.opts.playingTimeoutMs),
    );
  }

  private halt(): void {
    this.wanted = false;
    this.playingNow = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.raw.stop();
  }

  private fail(reason: string): void {
    if (!this.wanted) return;
    this.halt();
    this.emit('failed', reason);
  }

  private onMessage(m: GstBusMessage): void {
    this.inCallback = true;
    try {
      this.handle(m);
    } finally {
      this.inCallback = false;
      // Stopped before or during this message: the binding sees NULL after we return and ends this poller.
      if (!this.wanted) this.pollerAlive = false;
    }
  }

  private handle(m: GstBusMessage): void {
    if (!this.wanted) {
      // The pipeline is NULL, so this poller ends after this message.
      this.pollerAlive = false;
      if (m.type === 'error') this.emit('warning', `after stop: ${describe(m)}`);
      if (this.startQueued) setImmediate(() => this.runQueuedStart());
      return;
    }
    const fromPipeline = PIPELINE_NAME.test(m._src_element_name);
    if (!this.fresh) {
      if (m.type === 'state-changed' && m['old-state'] === NULL_STATE) this.fresh = true;
      else {
        if (m.type === 'error') this.emit('warning', `earlier run: ${describe(m)}`);
        return;
      }
    }
    switch (m.type) {
      case 'state-changed':
        if (!fromPipeline) return;
        if (m['old-state'] === NULL_STATE) this.left = true;
        if (m['new-state'] === PLAYING_STATE && !this.playingNow) {
          this.playingNow = true;
          this.emit('playing');
        }
        return;
      case 'error':
        this.fail(m._src_element_name === this.opts.watchdog?.element ? this.opts.watchdog.reason : describe(m));
        return;
      case 'eos':
        // Live sources don't end: a camera that sends EOS has gone away.
        this.fail('end of stream');
        return;
      case 'warning':
        this.emit('warning', describe(m));
        return;
      default:
        return;
    }
  }
}

function describe(m: GstBusMessage): string {
  const detail = typeof m.debug === 'string' ? m.debug.split('\n').pop() : undefined;
  return `${m._src_element_name}: ${m.message ?? m.type}${detail && detail !== m.message ? ` (${detail})` : ''}`;
}
