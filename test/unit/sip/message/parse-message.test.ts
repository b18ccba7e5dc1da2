import { describe, expect, it } from 'vitest';
import {
  parseMessage,
  readMessage,
  serialiseMessage,
  SipHeaders,
  SipParseError,
  SipRequest,
  SipResponse,
} from '../../../../src/sip/message/index.js';

const INVITE = [
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.com>',
  'Content-Type: application/sdp',
];

function msg(lines: string[], body = '', withLength = true): Buffer {
  const head = [...lines, ...(withLength ? [`Content-Length: ${Buffer.byteLength(body)}`] : [])];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function error(data: Buffer, transport: 'datagram' | 'stream' = 'datagram'): SipParseError {
  try {
    parseMessage(data, { transport });
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error('parsed');
}

describe('parseMessage', () => {
  it('reads a request', () => {
    const m = parseMessage(msg(INVITE, 'v=0\r\n'));
    expect(m).toBeInstanceOf(SipRequest);
    if (!(m instanceof SipRequest)) return;
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:bob@biloxi.com');
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.body.toString()).toBe('v=0\r\n');
    expect(m.topVia.params.get('branch')).toBe('z9hG4bK776asdhds');
  });

  it('reads a response', () => {
    const m = parseMessage(
      msg(['SIP/2.0 180 Ringing', ...INVITE.slice(1, 7).filter((l) => !l.startsWith('Max')).map((l) => (l.startsWith('To') ? `${l};tag=a6c85cf` : l))]),
    );
    expect(m).toBeInstanceOf(SipResponse);
    if (m instanceof SipResponse) expect([m.status, m.reason]).toEqual([180, 'Ringing']);
  });

  it('unfolds continuation lines (§7.3.1) and accepts bare LF line ends', () => {
    const text = 'OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;\n  branch=z9hG4bKa,\n\tSIP/2.0/TCP g;branch=z9hG4bKb\nTo: <sip:a@b>\nFrom: <sip:c@d>;tag=1\nCall-ID: x\nCSeq: 1\n OPTIONS\nSubject: one\n two\n\n';
    const m = parseMessage(Buffer.from(text));
    expect(m.vias.map((v) => v.host)).toEqual(['h', 'g']);
    expect(m.headers.get('Subject')).toBe('one two');
    expect(m.cseq.method).toBe('OPTIONS');
  });

  it('skips CRLFs before the start-line (§7.5)', () => {
    expect(parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), msg(INVITE)])).kind).toBe('request');
  });

  it('honours Content-Length: extra datagram bytes are dropped, missing length means the rest (§18.3)', () => {
    const extra = Buffer.concat([msg(INVITE, 'abc'), Buffer.from('garbage')]);
    expect(parseMessage(extra).body.toString()).toBe('abc');
    expect(parseMessage(msg(INVITE, 'all of it', false)).body.toString()).toBe('all of it');
  });

  it('rejects a datagram shorter than its Content-Length, and streams without Content-Length', () => {
    const short = Buffer.from(msg(INVITE, 'abcdef').toString().replace('Content-Length: 6', 'Content-Length: 60'));
    expect(error(short).reason).toBe('Content-Length larger than datagram');
    expect(error(msg(INVITE, 'x', false), 'stream').reason).toBe('Missing Content-Length');
  });

  it.each([
    ['Call-ID', 'Missing Call-ID'],
    ['CSeq', 'Missing CSeq'],
    ['From', 'Missing From'],
    ['To', 'Missing To'],
    ['Via', 'Missing Via'],
  ])('a request without %s is refused with "%s" and can be answered', (name, reason) => {
    const data = msg(INVITE.filter((l) => !l.startsWith(`${name}:`)));
    const e = error(data);
    expect(e.reason).toBe(reason);
    expect(readMessage(data).request?.method).toBe('INVITE');
  });

  it('accepts a request without Max-Forwards (RFC 2543 peers) but not a bad one', () => {
    expect(parseMessage(msg(INVITE.filter((l) => !l.startsWith('Max-Forwards')))).kind).toBe('request');
    expect(error(msg(INVITE.map((l) => (l.startsWith('Max-Forwards') ? 'Max-Forwards: lots' : l)))).reason).toBe('Bad Max-Forwards header');
  });

  it('refuses malformed lines and start-lines', () => {
    expect(error(msg([...INVITE, 'no colon here'])).reason).toBe('Bad header line');
    expect(error(msg(['INVITE sip:a@b', ...INVITE.slice(1)])).reason).toBe('Bad Request-Line');
    expect(error(msg(['SIP/2.0 20 OK', ...INVITE.slice(1)])).reason).toBe('Bad Status-Line');
    expect(error(msg(['SIP/3.0 200 OK', ...INVITE.slice(1)])).reason).toBe('Bad Status-Line');
    expect(error(Buffer.from('\r\n\r\n')).reason).toBe('Empty message');
    expect(error(Buffer.from('INVITE sip:a@b SIP/2.0\r\nVia: x\r\n')).reason).toBe('Missing empty line after headers');
    expect(error(msg(['INVITE sip:a@b SIP/2.0', ' folded start', ...INVITE.slice(1)])).reason).toBe('Bad header line');
  });

  it('refuses a request whose CSeq method differs', () => {
    expect(error(msg(INVITE.map((l) => (l.startsWith('CSeq') ? 'CSeq: 1 BYE' : l)))).reason).toBe('CSeq method does not match request method');
  });

  it('round-trips: parse -> serialise -> parse is equal, Content-Length recomputed', () => {
    const first = parseMessage(msg(INVITE, 'v=0\r\n'));
    first.body = Buffer.from('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n');
    const wire = serialiseMessage(first);
    expect(wire.toString()).toContain(`Content-Length: ${first.body.length}\r\n\r\n`);
    const again = parseMessage(wire);
    expect([...again.headers]).toEqual([...first.headers].filter(([n]) => n !== 'Content-Length').concat([['Content-Length', String(first.body.length)]]));
    expect(again.body.equals(first.body)).toBe(true);
  });

  it('serialises a built message with long names and Content-Length 0', () => {
    const r = new SipRequest(
      'OPTIONS',
      'sip:a@b',
      new SipHeaders([
        ['v', 'SIP/2.0/UDP h;branch=z9hG4bK1'],
        ['t', '<sip:a@b>'],
        ['f', '<sip:c@d>;tag=1'],
        ['i', 'abc'],
        ['CSeq', '1 OPTIONS'],
        ['l', '999'],
      ]),
    );
    expect(serialiseMessage(r).toString()).toBe(
      'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: abc\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
  });
});
