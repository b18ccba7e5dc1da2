/**
 * Every relay's open codes (issue 15): which relay, if any, an entry opens.
 *
 * Each code is an OpenCode (constant-time comparison), and an entry is
 * compared with every code, whatever matched before, so timing shows
 * neither which relay a code belongs to nor how many codes there are
 * before it.
 *
 * How DTMF digits form entries (digit-buffers.ts) follows from all codes
 * together: an entry is complete at the longest code's length, or at `#`
 * when no code holds `#` before its end. So with codes of different lengths
 * a shorter code is typed with `#` after it ("1234#"); the config refuses
 * a `#` inside a code then (schema.ts checkPanel). Entries never end early
 * on a match of a shorter code: an entry compared at several lengths would
 * be several guesses, and one dropped by the inter-digit timeout would be
 * guesses the lockout never counted.
 */
import { OpenCode } from './open-code.js';

export interface RelayCodes {
  readonly name: string;
  /** Secrets. */
  readonly openCodes: readonly string[];
}

export class CodeBook {
  private readonly codes: Array<{ relay: string; code: OpenCode }>;
  /** Digits in the longest code as compared; 0 when no code is configured. */
  readonly length: number;
  /** Whether `#` ends an entry. */
  readonly hashTerminates: boolean;

  constructor(relays: readonly RelayCodes[]) {
    this.codes = relays.flatMap((r) => r.openCodes.filter((c) => c !== '').map((c) => ({ relay: r.name, code: new OpenCode(c) })));
    this.length = Math.max(0, ...this.codes.map((c) => c.code.length));
    this.hashTerminates = this.codes.every((c) => c.code.hashTerminates);
  }

  get configured(): boolean {
    return this.codes.length > 0;
  }

  /** The relay whose code `entry` is, or undefined. */
  match(entry: string): string | undefined {
    let found: string | undefined;
    for (const { relay, code } of this.codes) {
      // No early return: every code is compared (see above).
      if (code.matches(entry) && found === undefined) found = relay;
    }
    return found;
  }
}
