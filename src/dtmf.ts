/**
 * The sixteen DTMF digits (RFC 4733 §3.2 events 0-15: 0-9, *, #, A-D): the
 * one rule every reader of digits uses (RFC 4733 events, SIP INFO and
 * MESSAGE bodies, the control socket's `dtmf`, the config's open codes).
 * Letters are accepted in either case and stored upper-case.
 */
export const DTMF_DIGITS = '0123456789*#ABCD';

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** The digit `s` names (one character, any case), or undefined. */
export function toDtmfDigit(s: string): DtmfDigit | undefined {
  const u = s.toUpperCase();
  return u.length === 1 && DTMF_DIGITS.includes(u) ? (u as DtmfDigit) : undefined;
}

export const isDtmfDigit = (s: string): boolean => toDtmfDigit(s) !== undefined;

/** Every character a DTMF digit, upper-case letters only (the form codes are stored in). */
export function isDtmfCode(s: string): boolean {
  for (const c of s) if (!DTMF_DIGITS.includes(c)) return false;
  return true;
}
