import { describe, expect, it } from 'vitest';
import { formatSipUri, formatUri, parseSipUri, parseUri, SipParseError, makeSipUri } from '../../../../src/sip/message/index.js';

describe('SIP URI (RFC 3261 §19.1)', () => {
  it('reads every part', () => {
    const u = parseSipUri('sips:alice:secret@[2001:db8::1]:5061;transport=tls;lr;maddr=239.255.255.1?subject=hi%20there&priority=urgent');
    expect(u).toEqual({
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: '[2001:db8::1]',
      port: 5061,
      params: new Map([['transport', 'tls'], ['lr', null], ['maddr', '239.255.255.1']]),
      headers: [['subject', 'hi there'], ['priority', 'urgent']],
    });
  });

  it('has no userinfo without @ and lower-cases the scheme and parameter names', () => {
    const u = parseSipUri('SIP:Example.COM;Transport=UDP');
    expect(u.scheme).toBe('sip');
    expect(u.user).toBeUndefined();
    expect(u.host).toBe('Example.COM');
    expect(u.params.get('transport')).toBe('UDP');
  });

  it.each([
    'sip:alice@example.com',
    'sip:example.com:5060',
    'sips:alice@[2001:db8::1]:5061;maddr=239.255.255.1;ttl=15',
    'sip:user;par=u%40example.net@example.com',
    'sip:%00@host',
    'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
    'sip:+1-212-555-1212:1234@gateway.com;user=phone',
    'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
  ])('%s survives format -> parse', (text) => {
    const u = parseSipUri(text);
    expect(parseSipUri(formatSipUri(u))).toEqual(u);
  });

  it('escapes on output what must be escaped (§19.1.2)', () => {
    const u = makeSipUri('example.com', { user: 'I have spaces@home', params: new Map([['x', 'a b;c']]) });
    expect(formatSipUri(u)).toBe('sip:I%20have%20spaces%40home@example.com;x=a%20b%3Bc');
  });

  it('keeps UTF-8 escapes as text', () => {
    expect(parseSipUri('sip:J%C3%BCrgen@example.com').user).toBe('Jürgen');
    expect(formatSipUri(makeSipUri('example.com', { user: 'Jürgen' }))).toBe('sip:J%C3%BCrgen@example.com');
  });

  it.each([
    'sip:',
    'sip:@example.com',
    'sip:user@',
    'sip:user@exa mple.com',
    'sip:user@example.com:99999',
    'sip:user@example.com:',
    'sip:user@example.com:5x',
    'sip:[::1',
    'sip:user@host;',
    'sip:user@host;=x',
    'sip:user@host?x',
    'sip:us%zzer@host',
    'http://example.com',
    '<sip:user@host>',
  ])('rejects %s', (text) => {
    expect(() => parseSipUri(text)).toThrow(SipParseError);
  });

  it('keeps other schemes whole (§8.2.2.1 416 is the UA\'s answer)', () => {
    expect(parseUri('tel:+1-201-555-0123')).toEqual({ scheme: 'tel', text: 'tel:+1-201-555-0123' });
    expect(formatUri(parseUri('urn:uuid:f81d4fae'))).toBe('urn:uuid:f81d4fae');
    expect(() => parseUri('nocolon')).toThrow(SipParseError);
    expect(() => parseUri('tel:')).toThrow(SipParseError);
  });
});
