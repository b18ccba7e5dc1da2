/**
 * Turns a bouncing contact into clean level changes: a level counts only
 * once the line has stayed at it for `ms`. Trailing ("stable for N ms")
 * rather than leading ("act on the first edge, then ignore N ms") because a
 * door button sits at the end of metres of cable: a leading debouncer would
 * ring the home screens on every spike induced into it, this one ignores
 * anything shorter than `ms`. The cost is `ms` of latency on a press.
 */
export class Debouncer {
  private raw: boolean;
  private stable: boolean;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * @param initial the level at start: a button held while the daemon
   *   starts is not a press; its release and next press are.
   * @param onStable called with every settled level, never twice the same.
   */
  constructor(
    private readonly ms: number,
    initial: boolean,
    private readonly onStable: (active: boolean) => void,
  ) {
    this.raw = initial;
    this.stable = initial;
  }

  /** A raw level as read at an interrupt; the last one read is the line's level. */
  input(active: boolean): void {
    if (this.closed) return;
    this.raw = active;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.ms === 0) this.settle();
    else this.timer = setTimeout(() => this.settle(), this.ms);
  }

  get level(): boolean {
    return this.stable;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(): void {
    this.timer = undefined;
    if (this.raw === this.stable) return;
    this.stable = this.raw;
    this.onStable(this.stable);
  }
}
