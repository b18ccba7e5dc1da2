/**
 * The receiver's replay list (RFC 3711 §3.3.2): a sliding window of the
 * last WINDOW indices behind the highest authenticated one. An index too
 * old for the window, or already seen inside it, is a replay. The window
 * is only updated after the packet authenticated (§3.3 step 8), so a
 * forged packet cannot move it.
 */

/** §3.3.2 asks for at least 64; libsrtp uses 128 by default. */
const WINDOW = 128n;

export class ReplayWindow {
  private highest = -1;
  /** Bit k set = index (highest - k) was seen. */
  private bits = 0n;

  /** Whether `index` would be accepted (not yet seen, not too old). */
  check(index: number): boolean {
    if (this.highest < 0 || index > this.highest) return true;
    const delta = BigInt(this.highest - index);
    if (delta >= WINDOW) return false;
    return (this.bits & (1n << delta)) === 0n;
  }

  /** Records an authenticated index. */
  accept(index: number): void {
    if (this.highest < 0) {
      this.highest = index;
      this.bits = 1n;
      return;
    }
    if (index > this.highest) {
      const shift = BigInt(index - this.highest);
      this.bits = shift >= WINDOW ? 1n : ((this.bits << shift) | 1n) & ((1n << WINDOW) - 1n);
      this.highest = index;
      return;
    }
    this.bits |= 1n << BigInt(this.highest - index);
  }
}
