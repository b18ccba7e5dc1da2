/**
 * Answer one Digest challenge: compute the response (RFC 7616 §3.4.1,
 * RFC 2617 §3.2.2, RFC 3261 §22.4) and format the Authorization /
 * Proxy-Authorization header value (RFC 3261 §25.1 `credentials`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { hashOf, isSessionAlgorithm, toDigestAlgorithm, type DigestAlgorithm, type HashName } from './algorithm.js';
import { hasControlCharacter } from './control-character.js';
import type { DigestChallenge } from './parse-challenge.js';

export type DigestErrorCode =
  | 'unsupported-algorithm'
  | 'unsupported-qop'
  | 'wrong-realm'
  | 'no-credentials'
  | 'ha1-algorithm-mismatch'
  | 'invalid-ha1'
  | 'invalid-nc'
  | 'unsafe-value';

/** Why a challenge cannot be answered with these credentials. Never carries a password or HA1. */
export class DigestError extends Error {
  override readonly name = 'DigestError';
  constructor(
    readonly code: DigestErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface CredentialsBase {
  username: string;
  /** Answer only this realm; unset answers any realm that asks. */
  realm?: string;
}

export interface PasswordCredentials extends CredentialsBase {
  password: string;
  ha1?: never;
}

/**
 * A precomputed HA1 = H(username:realm:password), so no clear password is
 * stored (SPEC `ha1`). 32 hex digits are MD5's, 64 are SHA-256's; the hash
 * is bound to one realm, so set `realm` too when it is known.
 */
export interface Ha1Credentials extends CredentialsBase {
  ha1: string;
  password?: never;
}

export type DigestCredentials = PasswordCredentials | Ha1Credentials;

export interface DigestRequest {
  method: string;
  /** The Request-URI exactly as it goes on the request line (RFC 3261 §22.4 digest-uri). */
  uri: string;
  /** Only needed to answer a challenge that offers qop=auth-int and not auth. */
  body?: string | Uint8Array;
}

export interface AuthorizationInput {
  challenge: DigestChallenge;
  credentials: DigestCredentials;
  request: DigestRequest;
  /** Nonce count, 1 for the first use of this nonce (RFC 7616 §3.4). Default 1. */
  nc?: number;
  /** Client nonce; a random one by default. Keep it for the nonce's life so "-sess" HA1 stays put. */
  cnonce?: string;
}

export interface DigestAuthorization {
  /** The header value: `Digest username="…", …`. */
  readonly value: string;
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  /** Undefined in the RFC 2069 form (challenge without qop). */
  readonly qop?: 'auth' | 'auth-int';
  readonly nc?: string;
  readonly cnonce?: string;
}

const MAX_NC = 0xffffffff;

export function randomCnonce(): string {
  return randomBytes(16).toString('hex');
}

/** Throws DigestError when the challenge cannot be answered with these credentials. */
export function computeAuthorization(input: AuthorizationInput): DigestAuthorization {
  const { challenge, credentials, request } = input;
  const algorithm = toDigestAlgorithm(challenge.algorithm);
  if (!algorithm) {
    throw new DigestError('unsupported-algorithm', `realm ${challenge.realm}: algorithm ${challenge.algorithm} not supported`);
  }
  if (credentials.realm !== undefined && credentials.realm !== challenge.realm) {
    throw new DigestError('wrong-realm', `credentials are for realm ${credentials.realm}, not ${challenge.realm}`);
  }
  const hash = hashOf(algorithm);
  const qop = chooseQop(challenge, request);
  // RFC 2617 §3.2.2.2: "-sess" HA1 needs a cnonce, and a cnonce "MUST NOT be
  // specified if the server did not send a qop directive".
  if (isSessionAlgorithm(algorithm) && qop === undefined) {
    throw new DigestError('unsupported-qop', `realm ${challenge.realm}: ${algorithm} without qop cannot be answered`);
  }
  const nc = input.nc ?? 1;
  if (!Number.isInteger(nc) || nc < 1 || nc > MAX_NC) {
    throw new DigestError('invalid-nc', `nonce count ${nc} is outside 1..${MAX_NC}`);
  }
  // RFC 7616 §3.4: nc-value is 8LHEX.
  const ncValue = nc.toString(16).padStart(8, '0');
  const cnonce = input.cnonce ?? randomCnonce();
  const H = (data: string | Uint8Array): string => createHash(hash).update(data).digest('hex');

  // RFC 7616 §3.4.2: A1 = unq(username):unq(realm):passwd, and for "-sess"
  // H(that):unq(nonce):unq(cnonce).
  let ha1 = baseHa1(credentials, challenge.realm, algorithm, hash, H);
  if (isSessionAlgorithm(algorithm)) ha1 = H(`${ha1}:${challenge.nonce}:${cnonce}`);
  // RFC 7616 §3.4.3: A2 = Method:request-uri, plus :H(entity-body) for auth-int.
  const a2 =
    qop === 'auth-int'
      ? `${request.method}:${request.uri}:${H(request.body ?? '')}`
      : `${request.method}:${request.uri}`;
  const ha2 = H(a2);
  // RFC 7616 §3.4.1 with qop; RFC 2069 §2.1.1 (kept by RFC 2617 §3.2.2.1) without.
  const response =
    qop === undefined
      ? H(`${ha1}:${challenge.nonce}:${ha2}`)
      : H(`${ha1}:${challenge.nonce}:${ncValue}:${cnonce}:${qop}:${ha2}`);

  // RFC 3261 §25.1 / RFC 7616 §3.4: username, realm, nonce, uri, response,
  // cnonce and opaque are quoted strings; algorithm, qop and nc are tokens.
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `response=${quote(response)}`,
    `algorithm=${algorithm}`,
  ];
  if (qop !== undefined) parts.push(`cnonce=${quote(cnonce)}`);
  // RFC 7616 §3.4: opaque "MUST be returned by the client unchanged".
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${ncValue}`);

  return {
    value: `Digest ${parts.join(', ')}`,
    response,
    algorithm,
    ...(qop !== undefined ? { qop, nc: ncValue, cnonce } : {}),
  };
}

/**
 * SPEC asks for qop=auth; auth-int is taken only when auth is not offered
 * and the caller passed the body. No qop at all is the RFC 2069 form
 * (RFC 7616 §3.3 keeps it answerable for backward compatibility).
 */
function chooseQop(challenge: DigestChallenge, request: DigestRequest): 'auth' | 'auth-int' | undefined {
  if (challenge.qop.length === 0) return undefined;
  if (challenge.qop.includes('auth')) return 'auth';
  if (challenge.qop.includes('auth-int') && request.body !== undefined) return 'auth-int';
  throw new DigestError(
    'unsupported-qop',
    `realm ${challenge.realm}: qop "${challenge.qop.join(',')}" not supported` +
      (challenge.qop.includes('auth-int') ? ' without the request body' : ''),
  );
}

function baseHa1(
  credentials: DigestCredentials,
  realm: string,
  algorithm: DigestAlgorithm,
  hash: HashName,
  H: (data: string) => string,
): string {
  if (credentials.password !== undefined) return H(`${credentials.username}:${realm}:${credentials.password}`);
  const ha1 = credentials.ha1.toLowerCase();
  const ha1Hash: HashName | undefined = /^[0-9a-f]{32}$/.test(ha1)
    ? 'md5'
    : /^[0-9a-f]{64}$/.test(ha1)
      ? 'sha256'
      : undefined;
  // The message names the length only: the HA1 is as secret as a password.
  if (!ha1Hash) throw new DigestError('invalid-ha1', `HA1 must be 32 (MD5) or 64 (SHA-256) hex digits, got ${ha1.length} characters`);
  if (ha1Hash !== hash) {
    throw new DigestError(
      'ha1-algorithm-mismatch',
      `realm ${realm}: the configured HA1 is ${ha1Hash === 'md5' ? 'an MD5' : 'a SHA-256'} hash and cannot answer a ${algorithm} challenge`,
    );
  }
  return ha1;
}

/** RFC 3261 §25.1 quoted-string; CR/LF cannot be escaped and would split the header. */
function quote(text: string): string {
  if (hasControlCharacter(text)) throw new DigestError('unsafe-value', 'control character in a digest parameter');
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}
