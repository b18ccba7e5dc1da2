import { describe, expect, it } from 'vitest';
import { canonicalHeaderName, isListHeader, SipHeaders, splitList } from '../../../../src/sip/message/index.js';

describe('SipHeaders', () => {
  it('is case-insensitive and maps compact forms to long names (§7.3.3)', () => {
    const h = new SipHeaders();
    for (const c of 'imelfsktvcourbxy') h.append(c, c);
    expect([...h].map(([n]) => n)).toEqual([
      'Call-ID', 'Contact', 'Content-Encoding', 'Content-Length', 'From', 'Subject', 'Supported', 'To', 'Via',
      'Content-Type', 'Event', 'Allow-Events', 'Refer-To', 'Referred-By', 'Session-Expires', 'Identity',
    ]);
    expect(h.get('CALL-ID')).toBe('i');
    expect(h.get('call-id')).toBe('i');
    expect(h.get('I')).toBe('i');
    expect(h.has('content-LENGTH')).toBe(true);
  });

  it('spells known names canonically and keeps unknown ones as sent', () => {
    expect(canonicalHeaderName('cseq')).toBe('CSeq');
    expect(canonicalHeaderName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalHeaderName('X-Custom-thing')).toBe('X-Custom-thing');
  });

  it('keeps order; get/getAll/set/append/prepend/delete', () => {
    const h = new SipHeaders([
      ['Via', 'a'],
      ['To', 't'],
      ['Via', 'b'],
    ]);
    expect(h.get('via')).toBe('a');
    expect(h.getAll('v')).toEqual(['a', 'b']);
    h.prepend('Via', 'z');
    expect(h.getAll('Via')).toEqual(['z', 'a', 'b']);
    h.set('Via', ['x', 'y']);
    expect([...h]).toEqual([['Via', 'x'], ['Via', 'y'], ['To', 't']]);
    h.set('From', 'f');
    expect(h.count('via')).toBe(2);
    expect(h.delete('VIA')).toBe(true);
    expect(h.delete('Via')).toBe(false);
    expect([...h.entries()]).toEqual([['To', 't'], ['From', 'f']]);
    const c = h.clone();
    c.set('To', 'other');
    expect(h.get('To')).toBe('t');
  });

  it('refuses values that would forge header lines', () => {
    expect(() => new SipHeaders().append('Subject', 'x\r\nVia: evil')).toThrow(TypeError);
    expect(() => new SipHeaders().append('Bad Name', 'x')).toThrow(TypeError);
  });

  it('splits list headers on commas outside quotes and <> (§7.3.1)', () => {
    const h = new SipHeaders();
    h.appendField('Contact', '"Doe, John" <sip:a@b;x=1,2>;q=0.5, <sip:c@d>, sip:e@f');
    expect(h.getAll('Contact')).toEqual(['"Doe, John" <sip:a@b;x=1,2>;q=0.5', '<sip:c@d>', 'sip:e@f']);
    h.appendField('Allow', 'INVITE, ACK,BYE');
    expect(h.getAll('Allow')).toEqual(['INVITE', 'ACK', 'BYE']);
    h.appendField('Warning', '399 host "a, b", 307 other "c"');
    expect(h.getAll('Warning')).toEqual(['399 host "a, b"', '307 other "c"']);
  });

  it('does not split the auth headers, Date or unknown headers', () => {
    const h = new SipHeaders();
    h.appendField('WWW-Authenticate', 'Digest realm="x", nonce="y", algorithm=MD5');
    h.appendField('Authorization', 'Digest username="u", realm="x"');
    h.appendField('Proxy-Authenticate', 'Digest realm="x", nonce="y"');
    h.appendField('Proxy-Authorization', 'Digest username="u", realm="x"');
    h.appendField('Date', 'Sat, 13 Nov 2010 23:29:00 GMT');
    h.appendField('X-Thing', 'a, b');
    expect([...h].map(([, v]) => v.includes(','))).toEqual([true, true, true, true, true, true]);
    expect(isListHeader('via')).toBe(true);
    expect(isListHeader('v')).toBe(true);
    expect(isListHeader('Date')).toBe(false);
  });

  it('splitList handles escaped quotes', () => {
    expect(splitList('"a\\", b" <sip:x>, <sip:y>')).toEqual(['"a\\", b" <sip:x>', '<sip:y>']);
  });
});
