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
 */
export interface KeyFrameLimiterOptions {
  minIntervalMs: number;
  /** Asks the encoder for a key frame; false when it could not (pipeline not playing). */
  force: () => boolean;
  now?: () => number;
}

export type KeyFrameOutcome = 'forced' | 'deferred' | 'coalesced' | 'failed';

export class KeyFrameLimiter {
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Requests folded into one already pending. */
  coalesced = 0;

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
