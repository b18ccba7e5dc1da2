/**
 * DTMF digits arrive one by one (RFC 4733 events, INFO per digit); this
 * gathers them per call into entries. An entry ends with `#` (when `#` is
 * a terminator), when it has as many digits as the code, or at
 * MAX_ENTRY digits. A pause longer than the inter-digit timeout drops what
 * was typed, so a stray digit earlier in the call does not spoil the code.
 *
 * Entries are fixed-length chunks, never "the last N digits": with a
 * sliding window every digit would be a new guess, and a long stream of
 * digits could cover many codes for one counted attempt.
 */
import { toDtmfDigit } from '../../dtmf.js';

/** What ends an entry: OpenCode for one code, CodeBook for every relay's. */
export interface EntryRules {
  readonly configured: boolean;
  /** Digits of the longest code. */
  readonly length: number;
  readonly hashTerminates: boolean;
}

export type CallKey = string | number;

/** Longer than any code the config allows (32). */
export const MAX_ENTRY = 33;
export const DEFAULT_INTER_DIGIT_TIMEOUT_MS = 5000;

export class DigitBuffers {
  private readonly calls = new Map<CallKey, { digits: string; timer: NodeJS.Timeout }>();

  constructor(
    private readonly code: EntryRules,
    private readonly timeoutMs: number = DEFAULT_INTER_DIGIT_TIMEOUT_MS,
  ) {}

  /** Adds one digit; returns the entry when this digit completed one. Anything but a DTMF digit is ignored. */
  push(call: CallKey, digit: string): string | undefined {
    const d = toDtmfDigit(digit.trim());
    if (d === undefined) return undefined;
    const prev = this.calls.get(call);
    if (prev) clearTimeout(prev.timer);
    if (d === '#' && this.code.hashTerminates) {
      this.calls.delete(call);
      // A lone # (or one after a timeout) is not an attempt.
      return prev && prev.digits !== '' ? prev.digits : undefined;
    }
    const digits = (prev?.digits ?? '') + d;
    if ((this.code.configured && digits.length >= this.code.length) || digits.length >= MAX_ENTRY) {
      this.calls.delete(call);
      return digits;
    }
    const timer = setTimeout(() => this.calls.delete(call), this.timeoutMs);
    timer.unref();
    this.calls.set(call, { digits, timer });
    return undefined;
  }

  /** How many digits a call has typed so far (never the digits: they are part of a secret). */
  pending(call: CallKey): number {
    return this.calls.get(call)?.digits.length ?? 0;
  }

  end(call: CallKey): void {
    const c = this.calls.get(call);
    if (c) clearTimeout(c.timer);
    this.calls.delete(call);
  }

  clear(): void {
    for (const c of this.calls.values()) clearTimeout(c.timer);
    this.calls.clear();
  }
}
