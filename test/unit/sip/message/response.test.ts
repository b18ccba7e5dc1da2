import { describe, expect, it } from 'vitest';
import {
  canReplyTo,
  createErrorResponse,
  createResponse,
  parseMessage,
  serialiseMessage,
  SipParseError,
  SipRequest,
  tagOf,
} from '../../../../src/sip/message/index.js';

function request(method: string, extra: string[] = [], toTag = ''): SipRequest {
  const text = [
    `${method} sip:door@192.0.2.10 SIP/2.0`,
    'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1',
    'Via: SIP/2.0/UDP screen.example.com:5062;branch=z9hG4bKs1;rport=5062;received=192.0.2.7',
    'Record-Route: <sip:proxy.example.com;lr>',
    'Record-Route: <sip:edge.example.com;lr>',
    'Max-Forwards: 69',
    `To: <sip:door@example.com>${toTag}`,
    'From: "Screen" <sip:screen@example.com>;tag=abc',
    'Call-ID: c1@screen',
    `CSeq: 7 ${method}`,
    'Timestamp: 54',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipRequest;
}

describe('createResponse (RFC 3261 §8.2.6)', () => {
  it('copies Via in order, From, To, Call-ID, CSeq and adds the To tag', () => {
    const r = createResponse(request('INVITE'), 180, undefined, { toTag: 'door1' });
    expect(r.reason).toBe('Ringing');
    expect(r.headers.getAll('Via')).toEqual([
      'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1',
      'SIP/2.0/UDP screen.example.com:5062;branch=z9hG4bKs1;rport=5062;received=192.0.2.7',
    ]);
    expect(r.headers.get('From')).toBe('"Screen" <sip:screen@example.com>;tag=abc');
    expect(r.headers.get('Call-ID')).toBe('c1@screen');
    expect(r.cseq).toEqual({ seq: 7, method: 'INVITE' });
    expect(tagOf(r.to)).toBe('door1');
    // §12.1.1: Record-Route copied, in order, for a dialog-creating request.
    expect(r.headers.getAll('Record-Route')).toEqual(['<sip:proxy.example.com;lr>', '<sip:edge.example.com;lr>']);
    expect(r.headers.has('Timestamp')).toBe(false);
    expect(parseMessage(serialiseMessage(r)).kind).toBe('response');
  });

  it('leaves an existing To tag, and makes a random one when none is given', () => {
    expect(tagOf(createResponse(request('BYE', [], ';tag=old'), 200).to)).toBe('old');
    const a = tagOf(createResponse(request('OPTIONS'), 200).to);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('100 Trying: no tag, Timestamp copied (§8.2.6.1)', () => {
    const r = createResponse(request('INVITE'), 100);
    expect(tagOf(r.to)).toBeUndefined();
    expect(r.headers.get('Timestamp')).toBe('54');
    expect(r.headers.has('Record-Route')).toBe(false);
  });

  it('no Record-Route for non-dialog requests or final failures', () => {
    expect(createResponse(request('OPTIONS'), 200).headers.has('Record-Route')).toBe(false);
    expect(createResponse(request('INVITE'), 486).headers.has('Record-Route')).toBe(false);
  });

  it('carries a body with its Content-Type and extra headers', () => {
    const r = createResponse(request('INVITE'), 200, 'OK', {
      toTag: 't',
      body: Buffer.from('v=0\r\n'),
      contentType: 'application/sdp',
      headers: [['Contact', '<sip:door@192.0.2.10>']],
    });
    const wire = serialiseMessage(r).toString();
    expect(wire).toContain('Content-Type: application/sdp\r\n');
    expect(wire).toContain('Contact: <sip:door@192.0.2.10>\r\n');
    expect(wire.endsWith('Content-Length: 5\r\n\r\nv=0\r\n')).toBe(true);
  });

  it('keeps reason phrases on one line', () => {
    expect(createResponse(request('INVITE'), 400, 'Bad\r\nVia: x').reason).toBe('Bad Via: x');
  });
});

describe('replying to malformed requests (SPEC §4)', () => {
  it('answers 400 when the top Via is readable, never an ACK', () => {
    expect(canReplyTo(request('OPTIONS'))).toBe(true);
    expect(canReplyTo(request('ACK'))).toBe(false);
    const noVia = new SipRequest('OPTIONS', 'sip:a@b');
    expect(canReplyTo(noVia)).toBe(false);
    noVia.headers.append('Via', 'SIP/2.0/UDP');
    expect(canReplyTo(noVia)).toBe(false);
  });

  it('builds the 400 from the error', () => {
    const req = request('OPTIONS');
    const r = createErrorResponse(new SipParseError('Bad To header'), req, 'x');
    expect(r?.status).toBe(400);
    expect(r?.reason).toBe('Bad To header');
    expect(createErrorResponse(new SipParseError('Bad Status-Line'), undefined)).toBeUndefined();
  });
});
