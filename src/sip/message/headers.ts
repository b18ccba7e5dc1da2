/**
 * An ordered, case-insensitive multimap of header fields. One entry is one
 * value: a list header received as `Via: a, b` is held as two entries, so
 * `getAll('Via')` is the Via list in order (§7.3.1 makes both spellings
 * equivalent).
 */
import { canonicalHeaderName, headerKey, isListHeader } from './header-names.js';
import { isToken, splitList, trimLws } from './grammar.js';

interface Entry {
  key: string;
  name: string;
  value: string;
}

export type HeaderInit = Iterable<readonly [string, string]>;

export class SipHeaders implements Iterable<[string, string]> {
  private list: Entry[] = [];

  constructor(init?: HeaderInit) {
    if (init) for (const [n, v] of init) this.append(n, v);
  }

  /** Value as one entry; CR or LF would let a value forge further header lines. */
  private static entry(name: string, value: string): Entry {
    const canonical = canonicalHeaderName(name);
    if (!isToken(canonical)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (/[\r\n]/.test(value)) throw new TypeError(`header ${canonical} value contains CR or LF`);
    return { key: canonical.toLowerCase(), name: canonical, value };
  }

  get(name: string): string | undefined {
    const key = headerKey(name);
    return this.list.find((e) => e.key === key)?.value;
  }

  getAll(name: string): string[] {
    const key = headerKey(name);
    return this.list.filter((e) => e.key === key).map((e) => e.value);
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.list.some((e) => e.key === key);
  }

  count(name: string): number {
    const key = headerKey(name);
    return this.list.reduce((n, e) => n + (e.key === key ? 1 : 0), 0);
  }

  /** Appends one value (not split: the caller says what one value is). */
  append(name: string, value: string): this {
    this.list.push(SipHeaders.entry(name, value));
    return this;
  }

  /**
   * Appends a field value as received: list headers are split into their
   * elements (§7.3.1), any other header is kept whole. A list is split
   * into at most `maxValues` + 1 values (the parser's budget).
   */
  appendField(name: string, value: string, maxValues = Infinity): this {
    const values = isListHeader(name) ? splitList(value, maxValues) : [trimLws(value)];
    for (const v of values) this.append(name, v);
    return this;
  }

  /** Replaces every value of `name`, keeping the position of the first one. */
  set(name: string, value: string | readonly string[]): this {
    const values = typeof value === 'string' ? [value] : value;
    const fresh = values.map((v) => SipHeaders.entry(name, v));
    const key = headerKey(name);
    const at = this.list.findIndex((e) => e.key === key);
    this.list = this.list.filter((e) => e.key !== key);
    if (at < 0) this.list.push(...fresh);
    else this.list.splice(Math.min(at, this.list.length), 0, ...fresh);
    return this;
  }

  /** Prepends a value before all others of the same name (a proxy pushing its Via, §16.6 step 8). */
  prepend(name: string, value: string): this {
    const e = SipHeaders.entry(name, value);
    const at = this.list.findIndex((x) => x.key === e.key);
    if (at < 0) this.list.push(e);
    else this.list.splice(at, 0, e);
    return this;
  }

  delete(name: string): boolean {
    const key = headerKey(name);
    const before = this.list.length;
    this.list = this.list.filter((e) => e.key !== key);
    return this.list.length !== before;
  }

  /** [name, value] pairs in order, names in canonical spelling. */
  *entries(): IterableIterator<[string, string]> {
    for (const e of this.list) yield [e.name, e.value];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get size(): number {
    return this.list.length;
  }

  clone(): SipHeaders {
    const h = new SipHeaders();
    h.list = this.list.map((e) => ({ ...e }));
    return h;
  }
}
