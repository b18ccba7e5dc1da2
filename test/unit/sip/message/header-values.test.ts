import { describe, expect, it } from 'vitest';
import {
  expiresOrDefault,
  formatCSeq,
  formatNameAddr,
  formatVia,
  hasRfc3261Branch,
  isWildcardContact,
  parseContentLength,
  parseCSeq,
  parseDeltaSeconds,
  parseMaxForwards,
  parseNameAddr,
  parseVia,
  qOf,
  SipParseError,
  tagOf,
} from '../../../../src/sip/message/index.js';

describe('name-addr / addr-spec (§20.10, §25.1)', () => {
  it('reads quoted display names with escapes', () => {
    const na = parseNameAddr('"Alice \\"the\\" Cat" <sip:alice@atlanta.com>;tag=1928301774');
    expect(na.displayName).toBe('Alice "the" Cat');
    expect(tagOf(na)).toBe('1928301774');
    expect(formatNameAddr(na)).toBe('"Alice \\"the\\" Cat" <sip:alice@atlanta.com>;tag=1928301774');
  });

  it('reads token display names and addr-spec with header params', () => {
    expect(parseNameAddr('Bob  Smith <sip:bob@b.com>').displayName).toBe('Bob Smith');
    const na = parseNameAddr('sip:bob@b.com;tag=x;expires=60;q=1');
    expect(na.displayName).toBeUndefined();
    expect([...na.params]).toEqual([['tag', 'x'], ['expires', '60'], ['q', '1']]);
    expect(qOf(na)).toBe(1);
    expect(formatNameAddr(na)).toBe('<sip:bob@b.com>;tag=x;expires=60;q=1');
  });

  it('keeps URI params inside <> apart from header params', () => {
    const na = parseNameAddr('<sip:p1.example.com;lr>;foo="a;b"');
    expect(na.params.get('foo')).toBe('"a;b"');
    expect(formatNameAddr(na)).toBe('<sip:p1.example.com;lr>;foo="a;b"');
  });

  it.each([
    '"unterminated <sip:a@b>',
    'Bell, Alexander <sip:a@b>',
    'sip:a@b?x=y',
    '<sip:a@b',
    '<>',
    '<sip:a@b>;',
    '<sip:a@b>;;x',
    '<sip:a@b>;x=',
    '<sip:a@b> junk',
    'just words',
    '',
  ])('rejects %j', (v) => {
    expect(() => parseNameAddr(v)).toThrow(SipParseError);
  });

  it('knows the wildcard Contact and checks q', () => {
    expect(isWildcardContact(' * ')).toBe(true);
    expect(() => qOf(parseNameAddr('<sip:a@b>;q=2'))).toThrow(SipParseError);
  });
});

describe('Via (§20.42, RFC 3581)', () => {
  it('reads protocol, transport, sent-by and params', () => {
    const v = parseVia('SIP/2.0/udp [2001:db8::9]:5070;branch=z9hG4bK776;received=2001:db8::1;rport;maddr=224.2.0.1;ttl=16');
    expect(v).toMatchObject({ protocol: 'SIP', version: '2.0', transport: 'UDP', host: '[2001:db8::9]', port: 5070 });
    expect([...v.params]).toEqual([
      ['branch', 'z9hG4bK776'],
      ['received', '2001:db8::1'],
      ['rport', null],
      ['maddr', '224.2.0.1'],
      ['ttl', '16'],
    ]);
    expect(hasRfc3261Branch(v)).toBe(true);
    expect(formatVia(v)).toBe('SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK776;received=2001:db8::1;rport;maddr=224.2.0.1;ttl=16');
    expect(parseVia('SIP/2.0/TCP h;rport=5060').params.get('rport')).toBe('5060');
  });

  it('allows whitespace around / : ; = (SWS)', () => {
    const v = parseVia('SIP / 2.0 / TLS  host.example.com : 5061 ; branch = z9hG4bKx');
    expect(v).toMatchObject({ transport: 'TLS', host: 'host.example.com', port: 5061 });
    expect(v.params.get('branch')).toBe('z9hG4bKx');
  });

  it.each([
    'SIP/2.0 host',
    'SIP/2.0/UDP',
    'SIP/2.0/UDP host:70000',
    'SIP/2.0/UDP host;ttl=300',
    'SIP/2.0/UDP host;rport=x',
    'SIP/2.0/UDP host;branch',
    'SIP/2.0/UDP host;received=not-an-ip',
    'SIP/2.0/UDP host;;',
    'SIP/2.0/UDP [::1',
    '',
  ])('rejects %j', (v) => {
    expect(() => parseVia(v)).toThrow(SipParseError);
  });
});

describe('CSeq, Max-Forwards, Content-Length, Expires', () => {
  it('CSeq: number and method, 32-bit limit (§8.1.1.5)', () => {
    expect(parseCSeq('4711 INVITE')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq(' 0009 \t ACK ')).toEqual({ seq: 9, method: 'ACK' });
    expect(parseCSeq('4294967295 BYE').seq).toBe(4294967295);
    expect(formatCSeq({ seq: 1, method: 'BYE' })).toBe('1 BYE');
    for (const bad of ['4294967296 BYE', 'INVITE', '1', '1 IN VITE', '-1 BYE', '1 BY"E']) expect(() => parseCSeq(bad)).toThrow(SipParseError);
  });

  it('Max-Forwards 0..255, Content-Length and Expires 0..2^32-1', () => {
    expect(parseMaxForwards('0068')).toBe(68);
    expect(() => parseMaxForwards('256')).toThrow(SipParseError);
    expect(parseContentLength(' 0 ')).toBe(0);
    for (const bad of ['-1', 'five', '1.5', '', '4294967296']) expect(() => parseContentLength(bad)).toThrow(SipParseError);
    expect(parseDeltaSeconds('3600')).toBe(3600);
    expect(expiresOrDefault('1'.padEnd(101, '0'))).toBe(3600);
    expect(expiresOrDefault(undefined, 600)).toBe(600);
    expect(expiresOrDefault('120')).toBe(120);
  });
});
