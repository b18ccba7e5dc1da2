import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DigestClient,
  DigestError,
  parseChallenge,
  type AuthorizationHeader,
  type ChallengeOutcome,
  type DigestClientOptions,
} from '../../../../src/sip/auth/index.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

const REGISTER = { method: 'REGISTER', uri: 'sip:example.com' };
const PASSWORD = 'door-secret';
const USER = { username: 'door', password: PASSWORD };

const www = (realm: string, nonce: string, extra = ''): string =>
  `Digest realm="${realm}", nonce="${nonce}", qop="auth"${extra}`;

/** A client whose cnonces are c1, c2, … so responses can be recomputed. */
function client(options: Partial<DigestClientOptions> = {}): DigestClient {
  let n = 0;
  return new DigestClient({ credentials: USER, cnonce: () => `c${++n}`, ...options });
}

function headersOf(outcome: ChallengeOutcome): readonly AuthorizationHeader[] {
  if (!outcome.retry) throw new Error(`expected a retry, got: ${outcome.reason}`);
  return outcome.headers;
}

function paramsOf(header: AuthorizationHeader | undefined): Map<string, string> {
  if (!header) throw new Error('missing header');
  return new Map(parseChallenge(header.value).params);
}

/** Recompute an MD5/SHA-256 qop=auth response from the sent params, as a server would. */
function expectValidResponse(header: AuthorizationHeader | undefined, method: string, password = PASSWORD): void {
  const p = paramsOf(header);
  const H = p.get('algorithm')?.startsWith('SHA-256') ? sha256 : md5;
  const ha1 = H(`${p.get('username')}:${p.get('realm')}:${password}`);
  const ha2 = H(`${method}:${p.get('uri')}`);
  expect(p.get('response')).toBe(
    H(`${ha1}:${p.get('nonce')}:${p.get('nc')}:${p.get('cnonce')}:${p.get('qop')}:${ha2}`),
  );
}

describe('DigestClient: answering', () => {
  it('a first request carries nothing, a 401 gets an Authorization', () => {
    const attempt = client().start(REGISTER);
    expect(attempt.headers).toEqual([]);
    const headers = headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    expect(headers).toHaveLength(1);
    expect(headers[0]?.name).toBe('Authorization');
    expect(Object.fromEntries(paramsOf(headers[0]))).toMatchObject({
      username: 'door',
      realm: 'example.com',
      nonce: 'n1',
      uri: 'sip:example.com',
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'c1',
    });
    expectValidResponse(headers[0], 'REGISTER');
    expect(attempt.headers).toEqual(headers);
  });

  it('a 407 gets a Proxy-Authorization', () => {
    const attempt = client().start({ method: 'INVITE', uri: 'sip:screen@home.example' });
    const headers = headersOf(attempt.challenge({ proxyAuthenticate: [www('proxy.example', 'p1')] }));
    expect(headers.map((h) => h.name)).toEqual(['Proxy-Authorization']);
    expect(paramsOf(headers[0]).get('uri')).toBe('sip:screen@home.example');
    expectValidResponse(headers[0], 'INVITE');
  });

  it('answers the RFC 2069 form (no qop) too', () => {
    const headers = headersOf(
      client().start(REGISTER).challenge({ wwwAuthenticate: ['Digest realm="r", nonce="n"'] }),
    );
    const p = paramsOf(headers[0]);
    expect(p.has('qop') || p.has('nc') || p.has('cnonce')).toBe(false);
    expect(p.get('response')).toBe(md5(`${md5(`door:r:${PASSWORD}`)}:n:${md5('REGISTER:sip:example.com')}`));
  });

  it('answers with an HA1 instead of a password', () => {
    const ha1 = md5(`door:example.com:${PASSWORD}`);
    const headers = headersOf(
      client({ credentials: { username: 'door', ha1, realm: 'example.com' } })
        .start(REGISTER)
        .challenge({ wwwAuthenticate: [www('example.com', 'n1')] }),
    );
    expectValidResponse(headers[0], 'REGISTER');
  });
});

describe('DigestClient: choosing a challenge', () => {
  const sha = www('example.com', 'n-sha', ', algorithm=SHA-256');
  const md = www('example.com', 'n-md5', ', algorithm=MD5');

  it('takes SHA-256 when the server lists it above MD5 (RFC 8760 §2.4)', () => {
    const headers = headersOf(client().start(REGISTER).challenge({ wwwAuthenticate: [sha, md] }));
    expect(headers).toHaveLength(1);
    expect(paramsOf(headers[0]).get('algorithm')).toBe('SHA-256');
    expect(paramsOf(headers[0]).get('nonce')).toBe('n-sha');
    expectValidResponse(headers[0], 'REGISTER');
  });

  it('also when both are listed in one header value', () => {
    const headers = headersOf(client().start(REGISTER).challenge({ wwwAuthenticate: [`${sha}, ${md}`] }));
    expect(headers.map((h) => paramsOf(h).get('algorithm'))).toEqual(['SHA-256']);
  });

  it('follows the server order: MD5 listed first is answered with MD5', () => {
    const headers = headersOf(client().start(REGISTER).challenge({ wwwAuthenticate: [md, sha] }));
    expect(paramsOf(headers[0]).get('algorithm')).toBe('MD5');
  });

  it('a client that refuses MD5 takes SHA-256 wherever it is', () => {
    const headers = headersOf(
      client({ algorithms: ['SHA-256', 'SHA-256-sess'] }).start(REGISTER).challenge({ wwwAuthenticate: [md, sha] }),
    );
    expect(paramsOf(headers[0]).get('algorithm')).toBe('SHA-256');
  });

  it('skips algorithms it does not know for the next one', () => {
    const future = www('example.com', 'n-x', ', algorithm=SHA-512-256');
    const headers = headersOf(client().start(REGISTER).challenge({ wwwAuthenticate: [future, sha] }));
    expect(paramsOf(headers[0]).get('nonce')).toBe('n-sha');
  });

  it('an MD5 HA1 skips a SHA-256 challenge for the MD5 one below it', () => {
    const ha1 = md5(`door:example.com:${PASSWORD}`);
    const headers = headersOf(
      client({ credentials: { username: 'door', ha1 } }).start(REGISTER).challenge({ wwwAuthenticate: [sha, md] }),
    );
    expect(paramsOf(headers[0]).get('algorithm')).toBe('MD5');
    expectValidResponse(headers[0], 'REGISTER');
  });

  it('an MD5 HA1 facing SHA-256 only gives up with the reason', () => {
    const ha1 = md5(`door:example.com:${PASSWORD}`);
    const outcome = client({ credentials: { username: 'door', ha1 } })
      .start(REGISTER)
      .challenge({ wwwAuthenticate: [sha] });
    expect(outcome).toEqual({
      retry: false,
      reason: 'realm example.com: the configured HA1 is an MD5 hash and cannot answer a SHA-256 challenge',
    });
    expect(JSON.stringify(outcome)).not.toContain(ha1);
  });

  it('answers every realm once: WWW and Proxy, several realms, one header each', () => {
    const headers = headersOf(
      client()
        .start(REGISTER)
        .challenge({
          wwwAuthenticate: [sha, md, www('other.example', 'o1')],
          proxyAuthenticate: [www('proxy.example', 'p1')],
        }),
    );
    expect(headers.map((h) => [h.name, paramsOf(h).get('realm'), paramsOf(h).get('nonce')])).toEqual([
      ['Authorization', 'example.com', 'n-sha'],
      ['Authorization', 'other.example', 'o1'],
      ['Proxy-Authorization', 'proxy.example', 'p1'],
    ]);
    for (const h of headers) expectValidResponse(h, 'REGISTER');
  });

  it('uses per-realm credentials and answers only the realms it has credentials for', () => {
    const headers = headersOf(
      client({
        credentials: [
          { username: 'door', password: PASSWORD, realm: 'example.com' },
          { username: 'door-proxy', password: 'proxy-pw', realm: 'proxy.example' },
        ],
      })
        .start(REGISTER)
        .challenge({
          wwwAuthenticate: [www('example.com', 'n1'), www('stranger.example', 's1')],
          proxyAuthenticate: [www('proxy.example', 'p1')],
        }),
    );
    expect(headers.map((h) => paramsOf(h).get('username'))).toEqual(['door', 'door-proxy']);
    expectValidResponse(headers[1], 'REGISTER', 'proxy-pw');
  });

  it('still answers when another header value is unreadable', () => {
    const headers = headersOf(
      client().start(REGISTER).challenge({ wwwAuthenticate: ['Digest realm="broken', www('example.com', 'n1')] }),
    );
    expect(headers).toHaveLength(1);
  });

  it.each([
    [{ wwwAuthenticate: ['Basic realm="x"'] }, 'no Digest challenge in the response'],
    [{}, 'no Digest challenge in the response'],
    [{ wwwAuthenticate: ['Digest realm="x"'] }, 'unreadable challenge: Digest challenge without nonce'],
    [
      { wwwAuthenticate: [www('x', 'n', ', algorithm=SHA-512-256')] },
      'realm x: algorithm SHA-512-256 not supported',
    ],
    [{ wwwAuthenticate: [www('x', 'n').replace('"auth"', '"auth-int"')] }, 'realm x: qop "auth-int" not supported without the request body'],
  ])('gives up when nothing can be answered: %j', (response, reason) => {
    expect(client().start(REGISTER).challenge(response)).toEqual({ retry: false, reason });
  });

  it('gives up on a realm it has no credentials for', () => {
    const outcome = client({ credentials: { ...USER, realm: 'example.com' } })
      .start(REGISTER)
      .challenge({ wwwAuthenticate: [www('elsewhere', 'n')] });
    expect(outcome).toEqual({ retry: false, reason: 'no credentials for realm elsewhere' });
  });
});

describe('DigestClient: nonce reuse', () => {
  it('later requests reuse the nonce with nc counting up and the same cnonce', () => {
    const auth = client();
    headersOf(auth.start(REGISTER).challenge({ wwwAuthenticate: [www('example.com', 'n1', ', opaque="op"')] }));

    const second = auth.start(REGISTER).headers;
    const third = auth.start({ method: 'OPTIONS', uri: 'sip:example.com' }).headers;
    expect(second.map((h) => h.name)).toEqual(['Authorization']);
    expect(Object.fromEntries(paramsOf(second[0]))).toMatchObject({ nonce: 'n1', nc: '00000002', cnonce: 'c1', opaque: 'op' });
    expect(Object.fromEntries(paramsOf(third[0]))).toMatchObject({ nonce: 'n1', nc: '00000003', cnonce: 'c1' });
    expectValidResponse(second[0], 'REGISTER');
    expectValidResponse(third[0], 'OPTIONS');
  });

  it('proxy credentials are reused too, as Proxy-Authorization', () => {
    const auth = client();
    headersOf(auth.start(REGISTER).challenge({ proxyAuthenticate: [www('proxy.example', 'p1')] }));
    const headers = auth.start({ method: 'INVITE', uri: 'sip:screen@home.example' }).headers;
    expect(headers.map((h) => [h.name, paramsOf(h).get('nc')])).toEqual([['Proxy-Authorization', '00000002']]);
    expectValidResponse(headers[0], 'INVITE');
  });

  it('a new nonce restarts nc at 1', () => {
    const auth = client();
    headersOf(auth.start(REGISTER).challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    auth.start(REGISTER);
    const headers = headersOf(
      auth.start(REGISTER).challenge({ wwwAuthenticate: [www('example.com', 'n2', ', stale=true')] }),
    );
    expect(Object.fromEntries(paramsOf(headers[0]))).toMatchObject({ nonce: 'n2', nc: '00000001', cnonce: 'c2' });
    expect(paramsOf(auth.start(REGISTER).headers[0]).get('nc')).toBe('00000002');
  });

  it('forget() drops the cached nonces', () => {
    const auth = client();
    headersOf(auth.start(REGISTER).challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    auth.forget();
    expect(auth.start(REGISTER).headers).toEqual([]);
  });

  it('a cached nonce the server let expire without stale is answered once more', () => {
    const auth = client();
    headersOf(auth.start(REGISTER).challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    const attempt = auth.start(REGISTER); // sends n1, nc=2
    const headers = headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n2')] }));
    expect(paramsOf(headers[0]).get('nonce')).toBe('n2');
    // … but a rejection of that fresh answer means the credentials are wrong.
    expect(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n3')] })).toEqual({
      retry: false,
      reason: 'authentication failed for realm example.com',
    });
  });

  it('a cached nonce rejected with the same nonce, not stale, is a failure', () => {
    const auth = client();
    headersOf(auth.start(REGISTER).challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    const outcome = auth.start(REGISTER).challenge({ wwwAuthenticate: [www('example.com', 'n1')] });
    expect(outcome).toEqual({ retry: false, reason: 'authentication failed for realm example.com' });
  });
});

describe('DigestClient: retry policy', () => {
  it('wrong password: the same nonce again, not stale, gives up', () => {
    const auth = client({ credentials: { username: 'door', password: 'wrong' } });
    const attempt = auth.start(REGISTER);
    headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    const outcome = attempt.challenge({ wwwAuthenticate: [www('example.com', 'n1')] });
    expect(outcome).toEqual({ retry: false, reason: 'authentication failed for realm example.com' });
    expect(JSON.stringify(outcome)).not.toContain('wrong');
    // The failed nonce is not offered to later requests, and the attempt stays failed.
    expect(auth.start(REGISTER).headers).toEqual([]);
    expect(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n9')] })).toEqual(outcome);
  });

  it('wrong password on a server that sends a fresh nonce with every 401 also gives up', () => {
    const attempt = client().start(REGISTER);
    headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    expect(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n2')] })).toEqual({
      retry: false,
      reason: 'authentication failed for realm example.com',
    });
  });

  it('stale=true retries with the new nonce without counting as a failure (RFC 7616 §3.3)', () => {
    const attempt = client().start(REGISTER);
    headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    const headers = headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n2', ', stale=TRUE')] }));
    expect(Object.fromEntries(paramsOf(headers[0]))).toMatchObject({ nonce: 'n2', nc: '00000001' });
    expectValidResponse(headers[0], 'REGISTER');
    // … and wrong credentials on the new nonce are still caught.
    expect(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n2')] })).toMatchObject({ retry: false });
  });

  it('a server that calls every nonce stale is given up on', () => {
    const attempt = client().start(REGISTER);
    headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n0')] }));
    headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n1', ', stale=true')] }));
    headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n2', ', stale=true')] }));
    expect(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n3', ', stale=true')] })).toEqual({
      retry: false,
      reason: 'authentication failed for realm example.com: nonce stale 3 times in a row',
    });
  });

  it('a 407 after an accepted 401 keeps the Authorization (nc+1) and adds a Proxy-Authorization', () => {
    const attempt = client().start({ method: 'INVITE', uri: 'sip:screen@home.example' });
    headersOf(attempt.challenge({ wwwAuthenticate: [www('example.com', 'n1')] }));
    const headers = headersOf(attempt.challenge({ proxyAuthenticate: [www('proxy.example', 'p1')] }));
    expect(headers.map((h) => [h.name, paramsOf(h).get('nonce'), paramsOf(h).get('nc')])).toEqual([
      ['Authorization', 'n1', '00000002'],
      ['Proxy-Authorization', 'p1', '00000001'],
    ]);
    for (const h of headers) expectValidResponse(h, 'INVITE');
  });

  it('WWW and Proxy realms of the same name are answered separately', () => {
    const attempt = client().start(REGISTER);
    const headers = headersOf(
      attempt.challenge({ wwwAuthenticate: [www('same', 'w1')], proxyAuthenticate: [www('same', 'p1')] }),
    );
    expect(headers.map((h) => h.name)).toEqual(['Authorization', 'Proxy-Authorization']);
    // Each kind keeps its own state: the proxy answer was fresh, so its rejection is final.
    expect(attempt.challenge({ proxyAuthenticate: [www('same', 'p2')] })).toMatchObject({ retry: false });
  });

  it('a realm answered before but now challenged with nothing answerable is left out', () => {
    const attempt = client().start({ method: 'INVITE', uri: 'sip:screen@home.example' });
    headersOf(attempt.challenge({ proxyAuthenticate: [www('proxy.example', 'p1')] }));
    const headers = headersOf(
      attempt.challenge({
        wwwAuthenticate: [www('example.com', 'n1')],
        proxyAuthenticate: [www('proxy.example', 'p2', ', algorithm=SHA-512-256')],
      }),
    );
    expect(headers.map((h) => h.name)).toEqual(['Authorization']);
  });

  it('a server that keeps inventing realms is cut off', () => {
    const attempt = client().start(REGISTER);
    for (let i = 1; i <= 8; i++) headersOf(attempt.challenge({ wwwAuthenticate: [www(`realm${i}`, 'n')] }));
    expect(attempt.challenge({ wwwAuthenticate: [www('realm9', 'n')] })).toEqual({
      retry: false,
      reason: 'authentication failed: more than 8 challenges',
    });
  });
});

describe('DigestClient: configuration', () => {
  it('rejects a malformed HA1 at construction without echoing it', () => {
    expect(() => new DigestClient({ credentials: { username: 'door', ha1: 'secret-ish' } })).toThrow(DigestError);
    expect(() => new DigestClient({ credentials: { username: 'door', ha1: 'secret-ish' } })).not.toThrow(/secret/);
  });

  it('rejects an empty credentials list', () => {
    expect(() => new DigestClient({ credentials: [] })).toThrow(/no digest credentials/);
  });
});
