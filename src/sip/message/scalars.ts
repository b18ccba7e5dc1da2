/**
 * Header fields that hold one number: Content-Length (§20.14),
 * Max-Forwards (§20.22), Expires (§20.19) and the expires parameter.
 */
import { SipParseError } from './errors.js';
import { trimLws } from './grammar.js';

const MAX_UINT32 = 2 ** 32 - 1;

function digits(value: string, reason: string, max: number): number {
  const v = trimLws(value);
  // Leading zeros are legal (RFC 4475 §3.1.1.1 has Max-Forwards: 0068);
  // the length cap keeps Number() exact.
  const t = v.replace(/^0+(?=\d)/, '');
  if (!/^[0-9]{1,10}$/.test(t)) throw new SipParseError(reason, { detail: JSON.stringify(v.slice(0, 40)) });
  const n = Number(t);
  if (n > max) throw new SipParseError(reason, { detail: `${n} > ${max}` });
  return n;
}

export function parseContentLength(value: string): number {
  return digits(value, 'Bad Content-Length header', MAX_UINT32);
}

/** 0..255: a hop count is one octet (§20.22; RFC 4475 §3.1.2.4 calls 300 out of range). */
export function parseMaxForwards(value: string): number {
  return digits(value, 'Bad Max-Forwards header', 255);
}

/** delta-seconds, 0..2^32-1 (§20.19). */
export function parseDeltaSeconds(value: string, reason = 'Bad Expires header'): number {
  return digits(value, reason, MAX_UINT32);
}

/**
 * Expires as a registrar should read it: an overlarge or malformed value
 * counts as the default (§10.3 step 7 says 3600 when none is given;
 * RFC 4475 §3.1.2.4 suggests the same for out-of-range values).
 */
export function expiresOrDefault(value: string | null | undefined, fallback = 3600): number {
  if (value === undefined || value === null) return fallback;
  try {
    return parseDeltaSeconds(value);
  } catch {
    return fallback;
  }
}
