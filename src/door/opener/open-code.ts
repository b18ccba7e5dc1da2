/**
 * The open code and how an entry is compared to it.
 *
 * `#` is an optional terminator: "1234#" and "1234" are the same code, and
 * a caller may type 1234 or 1234#. Only when the code has a `#` before its
 * end ("12#34") is `#` an ordinary digit, and then it must be typed as
 * configured.
 *
 * Comparison is constant-time: both sides go through HMAC-SHA-256 under a
 * key made at start-up, and the digests are compared with timingSafeEqual,
 * so neither the content nor the length of the code shows in timing.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class OpenCode {
  /** The digits that must be entered, without an optional trailing `#`. */
  private readonly digest: Buffer;
  private readonly key = randomBytes(32);
  /** Digits in the code as compared; 0 when no code is configured. */
  readonly length: number;
  /** Whether `#` ends an entry (the code has no `#` of its own before its end). */
  readonly hashTerminates: boolean;

  constructor(openCode: string) {
    const stripped = openCode.endsWith('#') ? openCode.slice(0, -1) : openCode;
    this.hashTerminates = !stripped.includes('#');
    const core = this.hashTerminates ? stripped : openCode;
    this.length = core.length;
    this.digest = this.mac(core);
  }

  /** An empty code means codes cannot open the door (SPEC: `open_code = ""`). */
  get configured(): boolean {
    return this.length > 0;
  }

  matches(entry: string): boolean {
    if (!this.configured) return false;
    return timingSafeEqual(this.mac(this.normalise(entry)), this.digest);
  }

  /** What an entry means as a code: surrounding blanks (a MESSAGE body's newline) and a terminating `#` dropped. */
  normalise(entry: string): string {
    const s = entry.trim().toUpperCase();
    return this.hashTerminates && s.endsWith('#') ? s.slice(0, -1) : s;
  }

  private mac(s: string): Buffer {
    return createHmac('sha256', this.key).update(s).digest();
  }
}
