import { describe, expect, it } from 'vitest';
import { AllowList, describePeer } from '../../../../src/door/opener/allow-list.js';
import { parseIdentity } from '../../../../src/sip/message/identity.js';

describe('peer identity for door.allowed', () => {
  const list = new AllowList(['sip:homescreen@MyHouse.local', 'sip:alice@192.168.1.5:5070', 'sips:bob@example.org', 'sip:[2001:DB8::1]']);

  it.each([
    ['sip:homescreen@myhouse.local', true],
    ['"Hall screen" <sip:homescreen@MYHOUSE.LOCAL;transport=tcp>;tag=9fxced76sl', true],
    ['<sip:homescreen@myhouse.local:5060>', true],
    ['sip:homescreen@myhouse.local:5080', true], // the entry names no port: any port
    ['sip:homescreen:secret@myhouse.local', true],
    ['sip:home%73creen@myhouse.local', true],
    ['sip:HomeScreen@myhouse.local', false], // user is case-sensitive
    ['sip:homescreen@myhouse.local.evil.example', false],
    ['sips:homescreen@myhouse.local', false],
    ['sip:alice@192.168.1.5:5070', true],
    ['sip:alice@192.168.1.5', false], // 5060 by default, the entry says 5070
    ['sips:bob@example.org', true],
    ['sips:bob@example.org:5061', true],
    ['sip:bob@example.org', false],
    ['sip:[2001:db8::1]', true],
    ['sip:someone@[2001:db8::1]', false],
    ['tel:+4930123456', false],
    ['not a uri', false],
    ['', false],
    // Issue 12 row 2: the first '<' is inside the quoted display name; the URI is guest's.
    ['"<sip:homescreen@myhouse.local>" <sip:guest@myhouse.local>', false],
    ['"x" <sip:guest@myhouse.local;foo=<sip:homescreen@myhouse.local>>', false],
  ])('%s → %s', (peer, allowed) => {
    expect(list.match(peer) !== undefined).toBe(allowed);
  });

  it('parses what matters and nothing else', () => {
    expect(parseIdentity('Alice <SIP:alice@Example.COM:5062;user=phone?subject=x>;tag=1')).toEqual({
      scheme: 'sip',
      user: 'alice',
      host: 'example.com',
      port: 5062,
    });
  });

  it('reads a quoted display name that holds a URI as a display name (issue 12 row 2)', () => {
    expect(parseIdentity('"<sip:kitchen@myhouse>" <sip:guest@myhouse>;tag=1')).toEqual({ scheme: 'sip', user: 'guest', host: 'myhouse', port: undefined });
    expect(describePeer('"<sip:kitchen@myhouse>" <sip:guest@myhouse>')).toBe('sip:guest@myhouse');
  });

  it('describes peers for events on one line', () => {
    expect(describePeer('"A" <sip:a@B.example;transport=tls>;tag=x')).toBe('sip:a@b.example');
    expect(describePeer('control')).toBe('control');
    expect(describePeer('evil\r\nEvent-type: door-opened')).toBe('evil Event-type: door-opened');
  });
});
