/**
 * The last challenge answered per (header kind, realm), kept so later
 * requests can reuse its nonce with a rising nonce count instead of taking
 * a 401/407 round trip each time (RFC 7616 §3.4: "nc" counts the requests
 * sent with one nonce; RFC 3261 §22.3: "The UAC SHOULD also cache the
 * credentials used in the re-originated request").
 */
import type { DigestCredentials } from './digest.js';
import type { DigestChallenge } from './parse-challenge.js';

/** Which header carried the challenge: WWW-Authenticate or Proxy-Authenticate. */
export type ChallengeKind = 'www' | 'proxy';

export interface NonceEntry {
  readonly kind: ChallengeKind;
  readonly challenge: DigestChallenge;
  readonly credentials: DigestCredentials;
  /** One cnonce for the nonce's life, so a "-sess" HA1 stays the same (RFC 7616 §3.4.2). */
  readonly cnonce: string;
  /** The last nonce count used. */
  nc: number;
}

/** nc is 8 hex digits (RFC 7616 §3.4). */
const MAX_NC = 0xffffffff;

export function realmKey(kind: ChallengeKind, realm: string): string {
  return `${kind} ${realm}`;
}

export class NonceCache {
  private readonly entries = new Map<string, NonceEntry>();

  get(key: string): NonceEntry | undefined {
    return this.entries.get(key);
  }

  /** A new nonce for the realm: replaces the old entry, its first use counts as nc=1. */
  set(entry: Omit<NonceEntry, 'nc'>): void {
    this.entries.set(realmKey(entry.kind, entry.challenge.realm), { ...entry, nc: 1 });
  }

  /** The next nonce count for a reuse, or undefined (and the entry dropped) once nc would overflow. */
  next(key: string): { entry: NonceEntry; nc: number } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.nc >= MAX_NC) {
      this.entries.delete(key);
      return undefined;
    }
    entry.nc += 1;
    return { entry, nc: entry.nc };
  }

  /** Drop a realm's entry, unless another request has meanwhile replaced its nonce. */
  delete(key: string, nonce: string): void {
    if (this.entries.get(key)?.challenge.nonce === nonce) this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    this.entries.clear();
  }
}
