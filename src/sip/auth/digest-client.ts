/**
 * The UAC side of digest authentication for a transaction user: what
 * credentials to put on a request, and whether a 401/407 is worth a retry.
 *
 *   const auth = new DigestClient({ credentials });
 *   const attempt = auth.start({ method, uri });  // attempt.headers: cached-nonce credentials
 *   … on 401/407: const outcome = attempt.challenge({ wwwAuthenticate, proxyAuthenticate });
 *   outcome.retry ? resend (new CSeq, RFC 3261 §8.1.3.5) with outcome.headers : give up with outcome.reason
 *
 * Choosing among challenges. Per realm, the first challenge (in header
 * order) that this client can answer wins. RFC 8760 §2.3 has the server
 * list its challenges "in the order in which it would prefer to see them
 * used" and §2.4 has the UAC "use the topmost header field that it
 * supports unless a local policy dictates otherwise". A server offering
 * SHA-256 and MD5 lists SHA-256 first, so this picks SHA-256. Re-ranking
 * by strength would not stop the downgrade of RFC 8760 §3 either: an
 * on-path attacker who can reorder header fields can as well delete the
 * SHA-256 one. The local policy that does stop it is `algorithms` without
 * MD5. "Can answer" includes the credentials: an MD5 HA1 skips a SHA-256
 * challenge for the MD5 one below it.
 *
 * One answer per realm and header kind (RFC 3261 §22.3: credentials "for
 * the realm of the proxy that has asked"); a 401 aggregated by a forking
 * proxy (§16.7 step 7) may hold WWW- and Proxy-Authenticate of several
 * realms, each answered with its own Authorization / Proxy-Authorization.
 *
 * Retry policy, per realm within one attempt (one request and its
 * re-sends):
 * - first challenge for the realm: answer it;
 * - stale=TRUE: the server accepted the digest but not the nonce (RFC 7616
 *   §3.3), so answer the new nonce; not a failure, but capped so a server
 *   that always says stale cannot loop us;
 * - challenged again, not stale, after we answered a nonce the server had
 *   just issued: the credentials are wrong. This covers "same nonce again",
 *   and also servers (Kamailio, Asterisk) that send a fresh nonce with
 *   every rejection, which would otherwise loop forever;
 * - challenged after we reused a cached nonce: it may have expired on a
 *   server that does not set stale, so answer the new nonce once; but the
 *   same nonce again means the credentials are wrong.
 *
 * Scope: RFC 3261 §22.3 says proxy credentials "MUST NOT be cached across
 * dialogs" (except for a configured outbound proxy's realm), so use one
 * DigestClient per registration, per dialog/Call-ID, or per outbound proxy.
 */
import { toDigestAlgorithm, DIGEST_ALGORITHMS, type DigestAlgorithm } from './algorithm.js';
import { computeAuthorization, DigestError, randomCnonce, type DigestCredentials, type DigestRequest } from './digest.js';
import { NonceCache, realmKey, type ChallengeKind } from './nonce-cache.js';
import { ChallengeParseError, parseChallenges, type DigestChallenge } from './parse-challenge.js';

export type AuthorizationHeaderName = 'Authorization' | 'Proxy-Authorization';

export interface AuthorizationHeader {
  readonly name: AuthorizationHeaderName;
  readonly value: string;
}

/** The challenge header values of a 401/407, each list topmost first. */
export interface ChallengeHeaders {
  wwwAuthenticate?: readonly string[];
  proxyAuthenticate?: readonly string[];
}

export type ChallengeOutcome =
  | { readonly retry: true; readonly headers: readonly AuthorizationHeader[] }
  | { readonly retry: false; readonly reason: string };

export interface DigestClientOptions {
  /** Tried in order for each realm; an entry with `realm` set answers that realm only. */
  credentials: DigestCredentials | readonly DigestCredentials[];
  /** Algorithms this client answers; default all. Leave out MD5 to refuse a downgrade. */
  algorithms?: readonly DigestAlgorithm[];
  /** Client nonce source (tests pass a fixed one). */
  cnonce?: () => string;
}

/** One request and its re-sends after 401/407. */
export interface DigestAttempt {
  /**
   * The credential headers the request carries now, replacing any it had
   * (initially those from cached nonces). ACK and CANCEL cannot be
   * challenged, so they carry these too (RFC 3261 §22.1).
   */
  readonly headers: readonly AuthorizationHeader[];
  /** Feed a 401/407: retry with new headers, or give up with a reason. */
  challenge(response: ChallengeHeaders): ChallengeOutcome;
}

/** stale=TRUE retries per realm per attempt before giving up. */
const MAX_STALE_RETRIES = 2;
/** Challenges per attempt; bounds a server that keeps inventing realms. */
const MAX_ROUNDS = 8;

const HEADER_NAME: Record<ChallengeKind, AuthorizationHeaderName> = {
  www: 'Authorization',
  proxy: 'Proxy-Authorization',
};

interface RealmGroup {
  kind: ChallengeKind;
  realm: string;
  challenges: DigestChallenge[];
}

interface Answer {
  challenge: DigestChallenge;
  credentials: DigestCredentials;
  cnonce: string;
  value: string;
}

/** What an attempt needs from its client, kept off the client's public surface. */
interface AttemptHost {
  readonly nonces: NonceCache;
  answer(group: RealmGroup, request: DigestRequest): Answer | { reason: string };
}

export class DigestClient {
  private readonly cache = new NonceCache();
  private readonly credentials: readonly DigestCredentials[];
  private readonly algorithms: ReadonlySet<DigestAlgorithm>;
  private readonly newCnonce: () => string;
  private readonly host: AttemptHost = {
    nonces: this.cache,
    answer: (group, request) => this.answer(group, request),
  };

  constructor(options: DigestClientOptions) {
    this.credentials = isCredentialsList(options.credentials) ? [...options.credentials] : [options.credentials];
    if (this.credentials.length === 0) throw new DigestError('no-credentials', 'no digest credentials configured');
    for (const c of this.credentials) {
      // Catch a mistyped HA1 at start-up rather than at the first 401.
      if (c.ha1 !== undefined && !/^([0-9a-f]{32}|[0-9a-f]{64})$/i.test(c.ha1)) {
        throw new DigestError('invalid-ha1', `HA1 must be 32 (MD5) or 64 (SHA-256) hex digits, got ${c.ha1.length} characters`);
      }
    }
    this.algorithms = new Set(options.algorithms ?? DIGEST_ALGORITHMS);
    this.newCnonce = options.cnonce ?? randomCnonce;
  }

  /** Begin a request: its initial headers reuse cached nonces (nc counting up). */
  start(request: DigestRequest): DigestAttempt {
    return new Attempt(this.host, request);
  }

  /** Forget every cached nonce (e.g. after the account changed). */
  forget(): void {
    this.cache.clear();
  }

  /** The first answerable challenge of a realm in header order, or why there is none. */
  private answer(group: RealmGroup, request: DigestRequest): Answer | { reason: string } {
    const reasons: string[] = [];
    for (const challenge of group.challenges) {
      const algorithm = toDigestAlgorithm(challenge.algorithm);
      if (!algorithm || !this.algorithms.has(algorithm)) {
        reasons.push(`realm ${group.realm}: algorithm ${challenge.algorithm} not supported`);
        continue;
      }
      const candidates = this.credentials.filter((c) => c.realm === undefined || c.realm === group.realm);
      if (candidates.length === 0) {
        reasons.push(`no credentials for realm ${group.realm}`);
        continue;
      }
      const cnonce = this.newCnonce();
      for (const credentials of candidates) {
        try {
          const { value } = computeAuthorization({ challenge, credentials, request, nc: 1, cnonce });
          return { challenge, credentials, cnonce, value };
        } catch (err) {
          if (!(err instanceof DigestError)) throw err;
          reasons.push(err.message);
        }
      }
    }
    return { reason: [...new Set(reasons)].join('; ') };
  }
}

interface Sent {
  nonce: string;
  /** Answered a nonce the server issued during this attempt (not a cached one). */
  fresh: boolean;
  staleRetries: number;
}

class Attempt implements DigestAttempt {
  private readonly sent = new Map<string, Sent>();
  private current: AuthorizationHeader[] = [];
  private rounds = 0;
  private failure: string | undefined;

  constructor(
    private readonly host: AttemptHost,
    private readonly request: DigestRequest,
  ) {
    for (const key of host.nonces.keys()) {
      const header = this.reuse(key);
      if (header) {
        this.current.push(header.header);
        this.sent.set(key, { nonce: header.nonce, fresh: false, staleRetries: 0 });
      }
    }
  }

  get headers(): readonly AuthorizationHeader[] {
    return this.current;
  }

  challenge(response: ChallengeHeaders): ChallengeOutcome {
    if (this.failure !== undefined) return { retry: false, reason: this.failure };
    if (++this.rounds > MAX_ROUNDS) return this.fail(`authentication failed: more than ${MAX_ROUNDS} challenges`);

    const { groups, problems } = collect(response);
    const answered = new Map<string, AuthorizationHeader>();
    const challenged = new Set<string>();
    for (const group of groups) {
      const key = realmKey(group.kind, group.realm);
      challenged.add(key);
      const answer = this.host.answer(group, this.request);
      if ('reason' in answer) {
        problems.push(answer.reason);
        continue;
      }
      const prev = this.sent.get(key);
      let staleRetries = prev?.staleRetries ?? 0;
      if (prev) {
        if (answer.challenge.stale) {
          // RFC 7616 §3.3: stale=TRUE, the digest was valid, only the nonce was not.
          if (++staleRetries > MAX_STALE_RETRIES) {
            return this.fail(`authentication failed for realm ${group.realm}: nonce stale ${staleRetries} times in a row`);
          }
        } else if (prev.fresh || answer.challenge.nonce === prev.nonce) {
          this.host.nonces.delete(key, prev.nonce);
          return this.fail(`authentication failed for realm ${group.realm}`);
        }
      }
      this.host.nonces.set({
        kind: group.kind,
        challenge: answer.challenge,
        credentials: answer.credentials,
        cnonce: answer.cnonce,
      });
      this.sent.set(key, { nonce: answer.challenge.nonce, fresh: true, staleRetries });
      answered.set(key, { name: HEADER_NAME[group.kind], value: answer.value });
    }
    if (answered.size === 0) {
      return this.fail(problems.length > 0 ? problems.join('; ') : 'no Digest challenge in the response');
    }

    // Realms sent before and not challenged now were accepted: send them
    // again. One challenged now but unanswerable is left out, not resent stale.
    const headers: AuthorizationHeader[] = [];
    for (const [key, sent] of this.sent) {
      const answer = answered.get(key);
      if (answer) {
        headers.push(answer);
        continue;
      }
      const reused = challenged.has(key) ? undefined : this.reuse(key);
      if (!reused) continue;
      headers.push(reused.header);
      // Another request may have replaced the realm's nonce meanwhile.
      if (reused.nonce !== sent.nonce) this.sent.set(key, { ...sent, nonce: reused.nonce, fresh: false });
    }
    this.current = headers;
    return { retry: true, headers };
  }

  private reuse(key: string): { header: AuthorizationHeader; nonce: string } | undefined {
    const next = this.host.nonces.next(key);
    if (!next) return undefined;
    const { entry, nc } = next;
    try {
      const { value } = computeAuthorization({
        challenge: entry.challenge,
        credentials: entry.credentials,
        request: this.request,
        nc,
        cnonce: entry.cnonce,
      });
      return { header: { name: HEADER_NAME[entry.kind], value }, nonce: entry.challenge.nonce };
    } catch (err) {
      // e.g. an auth-int nonce reused for a request without a body: let the server challenge.
      if (err instanceof DigestError) return undefined;
      throw err;
    }
  }

  private fail(reason: string): ChallengeOutcome {
    this.failure = reason;
    return { retry: false, reason };
  }
}

/** Group the Digest challenges by header kind and realm, keeping header order. */
function collect(response: ChallengeHeaders): { groups: RealmGroup[]; problems: string[] } {
  const groups = new Map<string, RealmGroup>();
  const problems: string[] = [];
  const sources: Array<[ChallengeKind, readonly string[] | undefined]> = [
    ['www', response.wwwAuthenticate],
    ['proxy', response.proxyAuthenticate],
  ];
  for (const [kind, values] of sources) {
    for (const value of values ?? []) {
      let challenges: DigestChallenge[];
      try {
        challenges = parseChallenges(value);
      } catch (err) {
        if (!(err instanceof ChallengeParseError)) throw err;
        problems.push(`unreadable challenge: ${err.message}`);
        continue;
      }
      for (const challenge of challenges) {
        const key = realmKey(kind, challenge.realm);
        const group = groups.get(key) ?? { kind, realm: challenge.realm, challenges: [] };
        group.challenges.push(challenge);
        groups.set(key, group);
      }
    }
  }
  return { groups: [...groups.values()], problems };
}

function isCredentialsList(
  credentials: DigestCredentials | readonly DigestCredentials[],
): credentials is readonly DigestCredentials[] {
  return Array.isArray(credentials);
}
