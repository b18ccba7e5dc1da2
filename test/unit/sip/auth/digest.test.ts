import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  computeAuthorization,
  DigestError,
  parseChallenge,
  randomCnonce,
  type AuthorizationInput,
  type DigestErrorCode,
} from '../../../../src/sip/auth/index.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

// RFC 7616 §3.9.1.
const RFC7616 = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  request: { method: 'GET', uri: '/dir/index.html' },
  credentials: { username: 'Mufasa', password: 'Circle of Life' },
};
const rfc7616Challenge = (algorithm: string) =>
  parseChallenge(
    `Digest realm="${RFC7616.realm}", qop="auth, auth-int", algorithm=${algorithm}, ` +
      `nonce="${RFC7616.nonce}", opaque="${RFC7616.opaque}"`,
  );

// RFC 2617 §3.5 (its password is "Circle Of Life", capital O).
const RFC2617 = {
  challenge: parseChallenge(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", ' +
      'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  ),
  credentials: { username: 'Mufasa', password: 'Circle Of Life' },
  request: { method: 'GET', uri: '/dir/index.html' },
  cnonce: '0a4f113b',
  ha1: '939e7578ed9e3c518a452acee763bce9',
};

function codeOf(input: AuthorizationInput): DigestErrorCode | undefined {
  try {
    computeAuthorization(input);
  } catch (err) {
    if (err instanceof DigestError) return err.code;
    throw err;
  }
  return undefined;
}

describe('computeAuthorization: published examples', () => {
  it('RFC 7616 §3.9.1 with MD5', () => {
    const auth = computeAuthorization({
      challenge: rfc7616Challenge('MD5'),
      credentials: RFC7616.credentials,
      request: RFC7616.request,
      nc: 1,
      cnonce: RFC7616.cnonce,
    });
    expect(auth.response).toBe('8ca523f5e9506fed4657c9700eebdbec');
    expect(auth.value).toBe(
      'Digest username="Mufasa", realm="http-auth@example.org", ' +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", uri="/dir/index.html", ' +
        'response="8ca523f5e9506fed4657c9700eebdbec", algorithm=MD5, ' +
        'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", ' +
        'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", qop=auth, nc=00000001',
    );
  });

  it('RFC 7616 §3.9.1 with SHA-256', () => {
    const auth = computeAuthorization({
      challenge: rfc7616Challenge('SHA-256'),
      credentials: RFC7616.credentials,
      request: RFC7616.request,
      nc: 1,
      cnonce: RFC7616.cnonce,
    });
    expect(auth).toMatchObject({
      response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      algorithm: 'SHA-256',
      qop: 'auth',
      nc: '00000001',
      cnonce: RFC7616.cnonce,
    });
    // algorithm, qop and nc are tokens; the rest quoted (RFC 7616 §3.4).
    expect(auth.value).toContain(', algorithm=SHA-256,');
    expect(auth.value).toContain(', qop=auth, nc=00000001');
    expect(auth.value).toContain('uri="/dir/index.html"');
    expect(auth.value).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
  });

  it('RFC 2617 §3.5', () => {
    const auth = computeAuthorization({ ...RFC2617, nc: 1 });
    expect(auth.response).toBe('6629fae49393a05397450978507c4ef1');
    expect(auth.value).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('the response round-trips through the challenge parser (same grammar)', () => {
    const auth = computeAuthorization({ ...RFC2617, nc: 1 });
    const params = parseChallenge(auth.value).params;
    expect(Object.fromEntries(params)).toEqual({
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      response: '6629fae49393a05397450978507c4ef1',
      algorithm: 'MD5',
      cnonce: '0a4f113b',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      qop: 'auth',
      nc: '00000001',
    });
  });
});

describe('computeAuthorization: HA1 credentials', () => {
  it('an MD5 HA1 gives the RFC 2617 response', () => {
    expect(RFC2617.ha1).toBe(md5('Mufasa:testrealm@host.com:Circle Of Life'));
    const auth = computeAuthorization({ ...RFC2617, credentials: { username: 'Mufasa', ha1: RFC2617.ha1 } });
    expect(auth.response).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('accepts the HA1 in upper case', () => {
    const auth = computeAuthorization({
      ...RFC2617,
      credentials: { username: 'Mufasa', ha1: RFC2617.ha1.toUpperCase() },
    });
    expect(auth.response).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('a 64-digit HA1 is SHA-256 and gives the RFC 7616 SHA-256 response', () => {
    const ha1 = sha256('Mufasa:http-auth@example.org:Circle of Life');
    const auth = computeAuthorization({
      challenge: rfc7616Challenge('SHA-256'),
      credentials: { username: 'Mufasa', ha1 },
      request: RFC7616.request,
      cnonce: RFC7616.cnonce,
    });
    expect(auth.response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('an MD5 HA1 also answers MD5-sess (the session key is built on it)', () => {
    const challenge = parseChallenge('Digest realm="testrealm@host.com", nonce="N", qop="auth", algorithm=MD5-sess');
    const fromHa1 = computeAuthorization({ ...RFC2617, challenge, credentials: { username: 'Mufasa', ha1: RFC2617.ha1 } });
    const fromPassword = computeAuthorization({ ...RFC2617, challenge });
    expect(fromHa1.response).toBe(fromPassword.response);
  });

  it('an MD5 HA1 cannot answer SHA-256, and says so without revealing the HA1', () => {
    let error: unknown;
    try {
      computeAuthorization({
        challenge: rfc7616Challenge('SHA-256'),
        credentials: { username: 'Mufasa', ha1: RFC2617.ha1 },
        request: RFC7616.request,
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DigestError);
    expect((error as DigestError).code).toBe('ha1-algorithm-mismatch');
    expect((error as DigestError).message).toBe(
      'realm http-auth@example.org: the configured HA1 is an MD5 hash and cannot answer a SHA-256 challenge',
    );
  });

  it('a SHA-256 HA1 cannot answer MD5', () => {
    expect(
      codeOf({ ...RFC2617, credentials: { username: 'Mufasa', ha1: sha256('Mufasa:testrealm@host.com:x') } }),
    ).toBe('ha1-algorithm-mismatch');
  });

  it.each(['', 'abc', 'z'.repeat(32), '0'.repeat(40)])('rejects the malformed HA1 %j', (ha1) => {
    expect(codeOf({ ...RFC2617, credentials: { username: 'Mufasa', ha1 } })).toBe('invalid-ha1');
  });
});

describe('computeAuthorization: forms and variants', () => {
  it('without qop uses the RFC 2069 form and sends no cnonce, qop or nc', () => {
    const challenge = parseChallenge('Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"');
    const auth = computeAuthorization({ ...RFC2617, challenge });
    const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
    const ha2 = md5('GET:/dir/index.html');
    expect(auth.response).toBe(md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:${ha2}`));
    expect(auth.response).toBe('670fd8c2df070c60b045671b8b24ff02');
    expect(auth.qop).toBeUndefined();
    expect(auth.value).toBe(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        'uri="/dir/index.html", response="670fd8c2df070c60b045671b8b24ff02", algorithm=MD5',
    );
  });

  it.each([
    ['MD5-sess', md5],
    ['SHA-256-sess', sha256],
  ] as const)('%s folds nonce and cnonce into HA1 (RFC 7616 §3.4.2)', (algorithm, H) => {
    const challenge = parseChallenge(`Digest realm="r", nonce="N", qop="auth", algorithm=${algorithm}, opaque="O"`);
    const auth = computeAuthorization({
      challenge,
      credentials: { username: 'u', password: 'p' },
      request: { method: 'REGISTER', uri: 'sip:example.com' },
      nc: 3,
      cnonce: 'C',
    });
    const ha1 = H(`${H('u:r:p')}:N:C`);
    const ha2 = H('REGISTER:sip:example.com');
    expect(auth.response).toBe(H(`${ha1}:N:00000003:C:auth:${ha2}`));
    expect(auth.value).toContain(`algorithm=${algorithm},`);
  });

  it('a -sess challenge without qop cannot be answered (no cnonce allowed)', () => {
    const challenge = parseChallenge('Digest realm="r", nonce="N", algorithm=MD5-sess');
    expect(codeOf({ ...RFC2617, challenge })).toBe('unsupported-qop');
  });

  it('prefers qop=auth when auth-int is offered too', () => {
    expect(computeAuthorization({ ...RFC2617, request: { ...RFC2617.request, body: 'x' } }).qop).toBe('auth');
  });

  it('answers auth-int only when given the body, hashing it into HA2', () => {
    const challenge = parseChallenge('Digest realm="r", nonce="N", qop="auth-int"');
    const input = {
      challenge,
      credentials: { username: 'u', password: 'p' },
      request: { method: 'INVITE', uri: 'sip:bob@example.com' },
      cnonce: 'C',
    };
    expect(codeOf(input)).toBe('unsupported-qop');
    const body = 'v=0\r\n';
    const auth = computeAuthorization({ ...input, request: { ...input.request, body } });
    const ha2 = md5(`INVITE:sip:bob@example.com:${md5(body)}`);
    expect(auth.response).toBe(md5(`${md5('u:r:p')}:N:00000001:C:auth-int:${ha2}`));
    expect(auth.value).toContain('qop=auth-int');
  });

  it('rejects a qop list it knows nothing of', () => {
    expect(codeOf({ ...RFC2617, challenge: parseChallenge('Digest realm="r", nonce="N", qop="x-future"') })).toBe(
      'unsupported-qop',
    );
  });

  it.each(['SHA-512-256', 'AKAv1-MD5'])('rejects algorithm %s', (algorithm) => {
    expect(
      codeOf({ ...RFC2617, challenge: parseChallenge(`Digest realm="r", nonce="N", algorithm=${algorithm}`) }),
    ).toBe('unsupported-algorithm');
  });

  it('writes nc as 8 lower-case hex digits and keeps it in range', () => {
    expect(computeAuthorization({ ...RFC2617, nc: 255 }).nc).toBe('000000ff');
    expect(computeAuthorization({ ...RFC2617, nc: 0xffffffff }).nc).toBe('ffffffff');
    for (const nc of [0, -1, 1.5, 0x100000000]) expect(codeOf({ ...RFC2617, nc })).toBe('invalid-nc');
  });

  it('escapes quotes and backslashes in the username but hashes the raw one', () => {
    const auth = computeAuthorization({ ...RFC2617, credentials: { username: 'a"b\\c', password: 'p' } });
    expect(auth.value).toContain('username="a\\"b\\\\c"');
    const ha1 = md5('a"b\\c:testrealm@host.com:p');
    const ha2 = md5('GET:/dir/index.html');
    expect(auth.response).toBe(
      md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:${ha2}`),
    );
    expect(parseChallenge(auth.value).params.get('username')).toBe('a"b\\c');
  });

  it('refuses to put CR/LF into the header', () => {
    expect(codeOf({ ...RFC2617, credentials: { username: 'a\r\nVia: x', password: 'p' } })).toBe('unsafe-value');
  });

  it('credentials bound to a realm do not answer another', () => {
    expect(codeOf({ ...RFC2617, credentials: { ...RFC2617.credentials, realm: 'other' } })).toBe('wrong-realm');
    expect(codeOf({ ...RFC2617, credentials: { ...RFC2617.credentials, realm: 'testrealm@host.com' } })).toBeUndefined();
  });

  it('draws a fresh random cnonce by default', () => {
    const a = computeAuthorization({ challenge: RFC2617.challenge, credentials: RFC2617.credentials, request: RFC2617.request });
    const b = computeAuthorization({ challenge: RFC2617.challenge, credentials: RFC2617.credentials, request: RFC2617.request });
    expect(a.cnonce).toMatch(/^[0-9a-f]{32}$/);
    expect(a.cnonce).not.toBe(b.cnonce);
    expect(randomCnonce()).toMatch(/^[0-9a-f]{32}$/);
  });
});
