/**
 * %-escaping of SIP URI components (RFC 3261 §19.1.2, §25.1 `escaped`).
 * Escapes stand for octets; a run of them is decoded as UTF-8 so that
 * `%00` stays one NUL character and never ends the string early
 * (RFC 4475 §3.1.1.4).
 */
import { SipParseError } from './errors.js';

const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
// user-unreserved (§25.1)
export const USER_CHARS = new RegExp(`^[${UNRESERVED}&=+$,;?/%]*$`);
// password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
export const PASSWORD_CHARS = new RegExp(`^[${UNRESERVED}&=+$,%]*$`);
// paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
export const PARAM_CHARS = new RegExp(`^[${UNRESERVED}\\[\\]/:&+$%]*$`);
// hname/hvalue = hnv-unreserved / unreserved / escaped; hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
export const HEADER_CHARS = new RegExp(`^[${UNRESERVED}\\[\\]/?:+$%]*$`);

const KEEP = {
  user: new RegExp(`[${UNRESERVED}&=+$,;?/]`),
  password: new RegExp(`[${UNRESERVED}&=+$,]`),
  param: new RegExp(`[${UNRESERVED}\\[\\]/:&+$]`),
  header: new RegExp(`[${UNRESERVED}\\[\\]/?:+$]`),
};
export type UriPart = keyof typeof KEEP;

export function unescapeUri(text: string, reason = 'Bad URI'): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new SipParseError(reason, { detail: `bad %-escape in ${JSON.stringify(text)}` });
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escapes every character the grammar does not allow unescaped in `part`. */
export function escapeUri(text: string, part: UriPart): string {
  const keep = KEEP[part];
  let out = '';
  for (const ch of text) {
    if (keep.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
