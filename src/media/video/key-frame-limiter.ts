/**
 * Key frames on request (RTCP PLI/FIR), at most one per `minIntervalMs`.
 *
 * Why a limit: a screen behind a lossy link loses a packet of nearly every
 * frame and sends a PLI for each (RFC 4585 §6.3.1 lets it). Obeying every
 * one turns the stream into all I-frames, which are 5-10 times larger,
 * which loses more packets: the encoder floods the link it is trying to
 * repair. RFC 5104 §4.3.1.2 likewise asks the sender to limit FIR-triggered
 * refreshes. A request within the interval is not dropped but folded into
 * one key frame at the end of it, so the screen that asked still gets its
 * picture back.
 *
 * The encoder also makes a key frame every `periodMs` by itself, counted
 * from the last one (x264's keyint, v4l2's i_frame_period restart at a
 * forced IDR): those count as the last key frame too, and a request that a
 * periodic one would answer no later than a forced one (give or take one
 * frame, `slackMs`) waits for it instead of making another. The periodic
 * times are reckoned, not observed (the binding has no buffer probes): a
 * reckoning off by a frame or two costs at most one interval's wait.
 *
 * A new destination gets its key frame at once (a screen starts decoding
 * only from one), outside the limit: new ones are the door's forks, at
 * most 16 per call. A destination added again under an id already seen
 * (a resume after hold, each re-INVITE of a call) goes through the limit
 * like a PLI: otherwise each re-INVITE forced an I-frame (150 in 2.4 s).
 */
export interface KeyFrameLimiterOptions {
  minIntervalMs: number;
  /** The encoder's own key frame period (its GOP), counted from the last key frame; absent = none. */
  periodMs?: number;
  /** How much later than a forced one a periodic key frame may come and still answer a request (about a frame). */
  slackMs?: number;
  /** Asks the encoder for a key frame; false when it could not (pipeline not playing). */
  force: () => boolean;
  now?: () => number;
}

export type KeyFrameOutcome = 'forced' | 'deferred' | 'coalesced' | 'failed';

/** Destination ids remembered as seen: far more than the forks of a few calls, bounded. */
const SEEN_IDS = 256;

export class KeyFrameLimiter {
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Requests folded into one already pending. */
  coalesced = 0;
  private readonly seen = new Set<string>();

  constructor(private readonly opts: KeyFrameLimiterOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** A screen asked for a key frame. */
  request(): KeyFrameOutcome {
    if (this.timer) {
      this.coalesced++;
      return 'coalesced';
    }
    const now = this.now();
    const last = this.lastKey(now);
    const wait = Math.max(0, last + this.opts.minIntervalMs - now);
    if (this.opts.periodMs !== undefined && Number.isFinite(last) && last + this.opts.periodMs <= now + wait + (this.opts.slackMs ?? 0)) {
      // The encoder's periodic key frame is (almost) as soon: it answers this request.
      this.coalesced++;
      return 'coalesced';
    }
    if (wait === 0) return this.fire() ? 'forced' : 'failed';
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, wait);
    return 'deferred';
  }

  /**
   * Destination `id` was added: 'new' when it was never seen (the caller
   * forces a key frame at once and calls noteForced), else the outcome of
   * a request through the limit.
   */
  added(id: string): 'new' | KeyFrameOutcome {
    if (this.seen.has(id)) return this.request();
    this.seen.add(id);
    if (this.seen.size > SEEN_IDS) this.seen.delete(this.seen.values().next().value!);
    return 'new';
  }

  /** A key frame was forced another way (a new destination): it counts toward the limit. */
  noteForced(): void {
    this.last = this.now();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The latest key frame, forced or (reckoned) periodic. */
  private lastKey(now: number): number {
    const p = this.opts.periodMs;
    if (p === undefined || p <= 0 || this.last === -Infinity) return this.last;
    return this.last + Math.floor((now - this.last) / p) * p;
  }

  private fire(): boolean {
    const ok = this.opts.force();
    if (ok) this.last = this.now();
    return ok;
  }
}
