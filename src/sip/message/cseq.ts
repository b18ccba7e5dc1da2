/** CSeq (RFC 3261 §20.16, §8.1.1.5): a sequence number and a method. */
import { SipParseError } from './errors.js';
import { isToken } from './grammar.js';

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): CSeq {
  // 1*DIGIT LWS Method; after unfolding LWS is one or more SP/HTAB.
  const m = /^[ \t]*([0-9]+)[ \t]+([^ \t]+)[ \t]*$/.exec(value);
  const seq = m?.[1]?.replace(/^0+(?=\d)/, '');
  const method = m?.[2];
  if (!seq || !method || !isToken(method)) throw new SipParseError('Bad CSeq header', { detail: JSON.stringify(value.slice(0, 60)) });
  // §8.1.1.5: "MUST be expressible as a 32-bit unsigned integer" (RFC 4475 §3.1.2.4, §3.1.2.5).
  if (seq.length > 10 || Number(seq) > 2 ** 32 - 1) throw new SipParseError('Bad CSeq header', { detail: `sequence number ${seq} too large` });
  return { seq: Number(seq), method };
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}
