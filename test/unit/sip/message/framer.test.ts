import { describe, expect, it } from 'vitest';
import { StreamFramer, type FramerEvent } from '../../../../src/sip/message/index.js';

function message(n: number, body = ''): Buffer {
  return Buffer.from(
    [
      `OPTIONS sip:a@b SIP/2.0`,
      `Via: SIP/2.0/TCP h;branch=z9hG4bK${n}`,
      'To: <sip:a@b>',
      'From: <sip:c@d>;tag=1',
      `Call-ID: call-${n}`,
      `CSeq: ${n} OPTIONS`,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  );
}

const kinds = (events: FramerEvent[]): string[] => events.map((e) => (e.type === 'message' ? `message:${e.message.callId}` : e.type));

describe('StreamFramer (RFC 3261 §18.3)', () => {
  it('emits pipelined messages from one chunk', () => {
    const f = new StreamFramer();
    expect(kinds(f.push(Buffer.concat([message(1, 'hello'), message(2), message(3, 'x')])))).toEqual(['message:call-1', 'message:call-2', 'message:call-3']);
    expect(f.buffered).toBe(0);
  });

  it('reassembles messages split at every byte', () => {
    const data = Buffer.concat([message(1, 'body one'), message(2, 'two')]);
    const f = new StreamFramer();
    const events: FramerEvent[] = [];
    for (let i = 0; i < data.length; i++) events.push(...f.push(data.subarray(i, i + 1)));
    expect(kinds(events)).toEqual(['message:call-1', 'message:call-2']);
    const first = events[0];
    expect(first?.type === 'message' && first.message.body.toString()).toBe('body one');
  });

  it('reports double-CRLF pings, and a lone CRLF after our ping as its pong (RFC 5626 §3.5.1, §4.4.1)', () => {
    const f = new StreamFramer();
    expect(kinds(f.push(Buffer.from('\r\n\r\n')))).toEqual(['ping']);
    f.expectPong();
    expect(kinds(f.push(Buffer.concat([Buffer.from('\r\n\r\n'), message(1), Buffer.from('\r\n'), message(2)])))).toEqual([
      'ping',
      'message:call-1',
      'pong',
      'message:call-2',
    ]);
    // A ping cut in two still comes out as one ping when no pong is awaited.
    expect(kinds([...f.push(Buffer.from('\r\n')), ...f.push(Buffer.from('\r\n'))])).toEqual(['ping']);
    expect(kinds([...f.push(Buffer.from('\r\n\r')), ...f.push(Buffer.from('\n'))])).toEqual(['ping']);
  });

  it('takes every pong of a registrar as a pong, round after round (issue 12 row 7)', () => {
    const f = new StreamFramer();
    const seen: string[] = [];
    for (let round = 0; round < 6; round++) {
      f.expectPong();
      seen.push(...kinds(f.push(Buffer.from('\r\n'))));
    }
    expect(seen).toEqual(Array(6).fill('pong'));
  });

  it('waits for a body still in flight', () => {
    const f = new StreamFramer();
    const data = message(1, '0123456789');
    expect(f.push(data.subarray(0, data.length - 3))).toEqual([]);
    expect(kinds(f.push(data.subarray(data.length - 3)))).toEqual(['message:call-1']);
  });

  it('reports a framed but invalid message without closing', () => {
    const f = new StreamFramer();
    const bad = Buffer.from(message(1).toString().replace('CSeq: 1 OPTIONS', 'CSeq: 1 BYE'));
    const events = f.push(Buffer.concat([bad, message(2)]));
    expect(kinds(events)).toEqual(['invalid', 'message:call-2']);
    const first = events[0];
    expect(first?.type === 'invalid' && first.request?.method).toBe('OPTIONS');
  });

  it('fails the connection without Content-Length, on bad lengths, oversized headers or bodies', () => {
    const noLength = Buffer.from(message(1).toString().replace('Content-Length: 0\r\n', ''));
    expect(kinds(new StreamFramer().push(noLength))).toEqual(['error']);
    expect(kinds(new StreamFramer().push(Buffer.from(message(1).toString().replace('Content-Length: 0', 'Content-Length: -5'))))).toEqual(['error']);
    expect(kinds(new StreamFramer().push(Buffer.from(message(1).toString().replace('Content-Length: 0', 'l: 1\r\nContent-Length: 1'))))).toEqual(['error']);

    const big = new StreamFramer({ maxHeaderBytes: 1024 });
    expect(big.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n'))).toEqual([]);
    const events = big.push(Buffer.alloc(2000, 'a'));
    expect(kinds(events)).toEqual(['error']);
    expect(events[0]?.type === 'error' && events[0].error.reason).toBe('Message headers too large');
    expect(big.push(message(1))).toEqual([]);
    expect(big.buffered).toBe(0);

    const body = new StreamFramer({ maxBodyBytes: 100 });
    const ev = body.push(Buffer.from(message(1).toString().replace('Content-Length: 0', 'Content-Length: 101')));
    expect(ev[0]?.type === 'error' && ev[0].error.reason).toBe('Message body too large');
  });
});
