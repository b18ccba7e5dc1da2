/**
 * Parse the value of a WWW-Authenticate or Proxy-Authenticate header
 * (RFC 3261 §25.1 `challenge`, §22.4; RFC 7616 §3.3) into Digest challenges.
 *
 * SIP sends one challenge per header line (RFC 3261 §7.3.1 forbids
 * combining them), but HTTP-style lists ("Digest ..., Digest ...") and
 * other schemes next to Digest (RFC 7235 §4.1 `1#challenge`) are accepted
 * too, because a value copied through an HTTP-minded proxy can carry them.
 */
import { toDigestAlgorithm } from './algorithm.js';
import { hasControlCharacter } from './control-character.js';

export class ChallengeParseError extends Error {
  override readonly name = 'ChallengeParseError';
}

export interface DigestChallenge {
  readonly scheme: 'Digest';
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  /** RFC 7616 §3.3: only a case-insensitive "true" makes a nonce stale. */
  readonly stale: boolean;
  /**
   * Canonical spelling when known ("MD5", "SHA-256-sess", ...), otherwise as
   * sent; "MD5" when absent (RFC 7616 §3.3). Unknown values are kept rather
   * than rejected so the caller can skip this challenge for the next one.
   */
  readonly algorithm: string;
  /** Lower-cased qop options; empty when the server sent no qop (RFC 2069 mode). */
  readonly qop: readonly string[];
  /** RFC 7616 §3.3 protection space; empty when absent. */
  readonly domain: readonly string[];
  /** Every auth-param as received, names lower-cased, values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

interface RawChallenge {
  scheme: string;
  token68?: string;
  params: Array<[string, string]>;
}

/** Params whose repetition would make the challenge ambiguous (RFC 7235 §2.1: "MUST only occur once"). */
const SINGLE_PARAMS = new Set(['realm', 'nonce', 'opaque', 'stale', 'algorithm', 'qop', 'domain', 'charset', 'userhash']);

/** RFC 7230 §3.2.6 tchar (a superset of RFC 3261's token characters). */
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** RFC 7235 §2.1 token68, only when it is all that follows the scheme. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=[ \t\r\n]*(,|$))/;

/**
 * All Digest challenges in one header value, in the order written (the
 * order carries the server's preference, RFC 8760 §2.3). Challenges of other
 * schemes are skipped. Throws ChallengeParseError on a syntax error or a
 * Digest challenge without realm or nonce.
 */
export function parseChallenges(value: string): DigestChallenge[] {
  return splitChallenges(value)
    .filter((raw) => raw.scheme.toLowerCase() === 'digest')
    .map(toDigestChallenge);
}

/** The first Digest challenge in a header value; throws ChallengeParseError if there is none. */
export function parseChallenge(value: string): DigestChallenge {
  const [first] = parseChallenges(value);
  if (!first) throw new ChallengeParseError(`no Digest challenge in "${value}"`);
  return first;
}

function toDigestChallenge(raw: RawChallenge): DigestChallenge {
  if (raw.token68 !== undefined) throw new ChallengeParseError('Digest challenge has no auth-params');
  const params = new Map<string, string>();
  for (const [name, value] of raw.params) {
    if (params.has(name) && SINGLE_PARAMS.has(name)) {
      throw new ChallengeParseError(`Digest challenge repeats "${name}"`);
    }
    if (!params.has(name)) params.set(name, value);
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  // RFC 7616 §3.3: realm and nonce are the two required directives.
  if (realm === undefined) throw new ChallengeParseError('Digest challenge without realm');
  if (nonce === undefined) throw new ChallengeParseError('Digest challenge without nonce');
  const algorithm = params.get('algorithm');
  return {
    scheme: 'Digest',
    realm,
    nonce,
    opaque: params.get('opaque'),
    stale: params.get('stale')?.toLowerCase() === 'true',
    algorithm: algorithm === undefined ? 'MD5' : (toDigestAlgorithm(algorithm) ?? algorithm),
    qop: splitList(params.get('qop'), /[\s,]+/).map((q) => q.toLowerCase()),
    domain: splitList(params.get('domain'), /\s+/),
    params,
  };
}

function splitList(value: string | undefined, separator: RegExp): string[] {
  return value === undefined ? [] : value.split(separator).filter((s) => s !== '');
}

function isWhitespace(c: string | undefined): boolean {
  // CR/LF outside quotes: tolerate a value whose line folding was not undone.
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/**
 * RFC 7235 §2.1 list of challenges. The grammar is ambiguous at each
 * comma (next auth-param or next challenge?); a token followed by "=" is
 * an auth-param, any other token starts a new challenge.
 */
function splitChallenges(value: string): RawChallenge[] {
  let i = 0;
  const out: RawChallenge[] = [];

  const skipWhitespace = (): void => {
    while (isWhitespace(value[i])) i++;
  };
  // Empty list elements are legal (RFC 7230 §7), so runs of commas are skipped.
  const skipSeparators = (): void => {
    while (isWhitespace(value[i]) || value[i] === ',') i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < value.length && TCHAR.test(value[i] as string)) i++;
    return value.slice(start, i);
  };
  const unexpected = (): ChallengeParseError =>
    new ChallengeParseError(`unexpected ${JSON.stringify(value[i])} at offset ${i} in challenge`);

  const readQuoted = (): string => {
    i++; // opening quote
    let text = '';
    while (i < value.length) {
      const c = value[i] as string;
      if (c === '"') {
        i++;
        return text;
      }
      if (c === '\\') {
        // RFC 3261 §25.1 quoted-pair; a backslash at the very end is unterminated.
        i++;
        if (i >= value.length) break;
      }
      const q = value[i] as string;
      if (hasControlCharacter(q)) throw new ChallengeParseError('control character in quoted string');
      text += q;
      i++;
    }
    throw new ChallengeParseError('unterminated quoted string in challenge');
  };
  const readBare = (): string => {
    const start = i;
    while (i < value.length && !isWhitespace(value[i]) && value[i] !== ',' && value[i] !== '"') i++;
    const text = value.slice(start, i);
    if (hasControlCharacter(text)) throw new ChallengeParseError('control character in challenge');
    return text;
  };

  skipSeparators();
  if (i >= value.length) throw new ChallengeParseError('empty challenge');
  while (i < value.length) {
    const scheme = readToken();
    if (scheme === '') throw unexpected();
    const challenge: RawChallenge = { scheme, params: [] };
    out.push(challenge);
    skipWhitespace();
    const token68 = TOKEN68.exec(value.slice(i));
    if (token68) {
      challenge.token68 = token68[0];
      i += token68[0].length;
    } else {
      while (true) {
        skipSeparators();
        if (i >= value.length) break;
        const start = i;
        const name = readToken();
        if (name === '') throw unexpected();
        skipWhitespace();
        if (value[i] !== '=') {
          i = start; // a token without "=" is the next challenge's scheme
          break;
        }
        i++;
        skipWhitespace();
        const quoted = value[i] === '"';
        const paramValue = quoted ? readQuoted() : readBare();
        if (paramValue === '' && !quoted) {
          throw new ChallengeParseError(`auth-param "${name}" has no value`);
        }
        challenge.params.push([name.toLowerCase(), paramValue]);
      }
    }
    skipSeparators();
  }
  return out;
}
