import { describe, expect, it } from 'vitest';
import { ChallengeParseError, parseChallenge, parseChallenges } from '../../../../src/sip/auth/index.js';

describe('parseChallenge', () => {
  it('reads the RFC 7616 §3.9.1 challenge, folded over several lines', () => {
    const c = parseChallenge(`Digest
       realm="http-auth@example.org",
       qop="auth, auth-int",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`);
    expect(c).toMatchObject({
      scheme: 'Digest',
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
      stale: false,
      domain: [],
    });
  });

  it('reads the RFC 3261 §20.44 example, with an empty opaque and stale=FALSE', () => {
    const c = parseChallenge(
      'Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", ' +
        'nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
    );
    expect(c).toMatchObject({
      realm: 'atlanta.com',
      domain: ['sip:boxesbybob.com'],
      qop: ['auth'],
      nonce: 'f84f1cec41e6cbe5aea9c8e88d359',
      opaque: '',
      stale: false,
      algorithm: 'MD5',
    });
  });

  it('takes MD5 when algorithm is absent and has no qop in the RFC 2069 form', () => {
    const c = parseChallenge('Digest realm="r", nonce="n"');
    expect(c.algorithm).toBe('MD5');
    expect(c.qop).toEqual([]);
    expect(c.opaque).toBeUndefined();
  });

  it.each([
    ['sha-256', 'SHA-256'],
    ['md5-SESS', 'MD5-sess'],
    ['SHA-256-sess', 'SHA-256-sess'],
    ['"SHA-256"', 'SHA-256'],
    ['AKAv1-MD5', 'AKAv1-MD5'],
    ['SHA-512-256', 'SHA-512-256'],
  ])('algorithm=%s reads as %s (unknown ones kept as sent)', (raw, expected) => {
    expect(parseChallenge(`Digest realm="r", nonce="n", algorithm=${raw}`).algorithm).toBe(expected);
  });

  it.each([
    ['TRUE', true],
    ['true', true],
    ['True', true],
    ['"true"', true],
    ['FALSE', false],
    ['yes', false],
  ])('stale=%s is %s', (raw, expected) => {
    expect(parseChallenge(`Digest realm="r", nonce="n", stale=${raw}`).stale).toBe(expected);
  });

  it('unescapes backslash escapes in quoted strings', () => {
    const c = parseChallenge('Digest realm="a \\"quoted\\" \\\\ realm, with comma", nonce="n\\x"');
    expect(c.realm).toBe('a "quoted" \\ realm, with comma');
    expect(c.nonce).toBe('nx');
  });

  it('tolerates extra whitespace, tabs, empty list elements and an unquoted qop', () => {
    const c = parseChallenge('  Digest \t realm = "r" ,,  nonce="n"\t,   qop = auth  , ');
    expect(c).toMatchObject({ realm: 'r', nonce: 'n', qop: ['auth'] });
  });

  it('accepts upper-case scheme and parameter names', () => {
    const c = parseChallenge('DIGEST REALM="r", Nonce="n", QOP="AUTH"');
    expect(c).toMatchObject({ realm: 'r', nonce: 'n', qop: ['auth'] });
  });

  it('keeps unknown parameters without failing', () => {
    const c = parseChallenge('Digest realm="r", nonce="n", charset=UTF-8, userhash=true, x-vendor="a, b"');
    expect(c.params.get('charset')).toBe('UTF-8');
    expect(c.params.get('userhash')).toBe('true');
    expect(c.params.get('x-vendor')).toBe('a, b');
  });

  it('splits a multi-URI domain', () => {
    expect(parseChallenge('Digest realm="r", nonce="n", domain="sip:a.example  sip:b.example"').domain).toEqual([
      'sip:a.example',
      'sip:b.example',
    ]);
  });

  it('throws ChallengeParseError when the value holds no Digest challenge', () => {
    expect(() => parseChallenge('Basic realm="r"')).toThrow(ChallengeParseError);
  });
});

describe('parseChallenges', () => {
  it('reads several Digest challenges listed in one value, in order', () => {
    const list = parseChallenges(
      'Digest realm="r", nonce="1", algorithm=SHA-256, qop="auth", Digest realm="r", nonce="2", algorithm=MD5',
    );
    expect(list.map((c) => [c.nonce, c.algorithm, c.qop])).toEqual([
      ['1', 'SHA-256', ['auth']],
      ['2', 'MD5', []],
    ]);
  });

  it('skips other schemes, including token68 ones', () => {
    const list = parseChallenges('Basic realm="x", Negotiate abc+/de==, Digest realm="y", nonce="z", Bearer tok68');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ realm: 'y', nonce: 'z' });
  });

  it('returns an empty list for a value with only other schemes', () => {
    expect(parseChallenges('Bearer realm="x"')).toEqual([]);
  });

  it('a bare token after a comma starts a new challenge', () => {
    const list = parseChallenges('Digest realm="a", nonce="1",Digest realm="b",nonce="2"');
    expect(list.map((c) => c.realm)).toEqual(['a', 'b']);
  });

  it.each([
    ['', /empty/],
    ['   , ', /empty/],
    ['Digest nonce="n"', /without realm/],
    ['Digest realm="r"', /without nonce/],
    ['Digest realm="r", nonce="n', /unterminated/],
    ['Digest realm="r, nonce="n"', /unexpected/],
    ['Digest realm="r", nonce="n\\', /unterminated/],
    ['Digest realm="r", realm="s", nonce="n"', /repeats "realm"/],
    ['Digest realm="r", nonce=', /no value|no auth-params/],
    ['Digest realm="r", nonce="n", opaque=, qop="auth"', /"opaque" has no value/],
    ['Digest realm="r\r\nVia: x", nonce="n"', /control character/],
    ['Digest realm="r", nonce=a\u0000b', /control character/],
    ['Digest abc==', /no auth-params/],
    ['Digest realm="r" nonce="n" ="x"', /unexpected "=" at offset/],
    ['"Digest" realm="r"', /unexpected/],
  ])('rejects %j', (value, message) => {
    let error: unknown;
    try {
      parseChallenges(value);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ChallengeParseError);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
  });
});
