/**
 * Character classes and small scanning helpers shared by the header
 * parsers. Names follow the ABNF of RFC 3261 §25.1. Every helper works on a
 * header value that has already been unfolded (§7.3.1), so LWS is only SP
 * and HTAB here.
 */
import { SipParseError } from './errors.js';

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")  (§25.1)
const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function isTokenChar(c: string): boolean {
  return /^[A-Za-z0-9\-.!%*_+`'~]$/.test(c);
}

export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

export function isWsp(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** True when `s` holds SP, a control character (including HTAB, CR, LF, NUL) or DEL. */
export function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Strips SP and HTAB only. String.prototype.trim() would also eat U+FEFF
 * and other Unicode spaces that are part of a value (RFC 4475 §3.1.1.2
 * starts a header value with a BOM).
 */
export function trimLws(s: string): string {
  // Index scans, not /^[ \t]+|[ \t]+$/: that regex retries the second
  // branch at every blank of an inner run, quadratic in its length (issue 12).
  let start = 0;
  let end = s.length;
  while (start < end && isWsp(s[start])) start++;
  while (end > start && isWsp(s[end - 1])) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Strips trailing SP and HTAB only (linear, see trimLws). */
export function trimLwsEnd(s: string): string {
  let end = s.length;
  while (end > 0 && isWsp(s[end - 1])) end--;
  return end === s.length ? s : s.slice(0, end);
}

/**
 * Splits a header value on commas that separate list elements (§7.3.1):
 * commas inside quoted strings or <...> belong to the element. Stops once
 * it has more than `max` elements (the caller refuses such a message).
 */
export function splitList(value: string, max = Infinity): string[] {
  const out: string[] = [];
  let inQuote = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') angle = true;
    else if (c === '>') angle = false;
    else if (c === ',' && !angle) {
      out.push(trimLws(value.slice(start, i)));
      start = i + 1;
      if (out.length > max) return out;
    }
  }
  out.push(trimLws(value.slice(start)));
  return out;
}

/** quoted-string body with quoted-pairs resolved (§25.1: quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)). */
export function unquote(quoted: string): string {
  let out = '';
  for (let i = 1; i < quoted.length - 1; i++) {
    const c = quoted[i] as string;
    if (c === '\\') {
      i++;
      out += quoted[i] ?? '';
    } else out += c;
  }
  return out;
}

/** The quoted-string form of any text: only DQUOTE and backslash need a quoted-pair. */
export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A cursor over one header value. Errors carry the reason given at
 * construction so each header parser reports "Bad Via header" and the like.
 */
export class Scanner {
  pos = 0;
  constructor(
    readonly text: string,
    private readonly reason: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  fail(detail?: string): never {
    throw new SipParseError(this.reason, { detail: detail ?? `at offset ${this.pos} of ${JSON.stringify(this.text.slice(0, 80))}` });
  }

  skipWs(): void {
    while (isWsp(this.text[this.pos])) this.pos++;
  }

  tryConsume(c: string): boolean {
    if (this.text[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(c: string): void {
    if (!this.tryConsume(c)) this.fail(`expected ${JSON.stringify(c)} at offset ${this.pos}`);
  }

  /** Longest run of characters matching `ok`; may be empty. */
  takeWhile(ok: (c: string) => boolean): string {
    const start = this.pos;
    while (this.pos < this.text.length && ok(this.text[this.pos] as string)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  token(): string {
    const t = this.takeWhile(isTokenChar);
    if (!t) this.fail(`expected a token at offset ${this.pos}`);
    return t;
  }

  /** A quoted-string, returned with its quotes (§25.1). */
  quotedString(): string {
    const start = this.pos;
    this.expect('"');
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated quoted string');
      this.pos++;
      if (c === '"') break;
      if (c === '\\') {
        const n = this.text[this.pos];
        // quoted-pair excludes CR and LF.
        if (n === undefined || n === '\r' || n === '\n') this.fail('bad quoted-pair');
        this.pos++;
      } else if (c.charCodeAt(0) < 0x20 && c !== '\t') this.fail('control character in quoted string');
    }
    return this.text.slice(start, this.pos);
  }
}
