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
 * A new destination gets its key frame at once (a screen starts decoding
 * only from one), outside the limit: new ones are the door's forks, at
 * most 16 per call. A destination added again under an id already seen
 * (a resume after hold, each re-INVITE of a call) goes through the limit
 * like a PLI: otherwise each re-INVITE forced an I-frame (issue 12 row
 * 21: 150 in 2.4 s).
 */
export interface KeyFrameLimiterOptions {
  minIntervalMs: number;
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
    const wait = this.last + this.opts.minIntervalMs - this.now();
    if (wait <= 0) return this.fire() ? 'forced' : 'failed';
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

  private fire(): boolean {
    const ok = this.opts.force();
    if (ok) this.last = this.now();
    return ok;
  }
}
