/**
 * RFC 3263 §4.3 in the client core: a request whose hop gives no answer
 * (Timer F, scaled down with T1) or answers 503 goes to the route's next
 * fallback in a new transaction (new branch); a hop that answered is kept.
 * Real UDP sockets on 127.0.0.1 stand for the servers.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { LogSink } from '../../../../src/log/logger.js';
import { SipStack, type Route } from '../../../../src/sip/core/sip-stack.js';
import { buildRequest } from '../../../../src/sip/message/build-request.js';
import type { SipResponse } from '../../../../src/sip/message/index.js';

interface Server {
  port: number;
  received: string[];
  socket: Socket;
}

/** A UDP "server" that answers each request with `status` (or stays silent). */
async function server(status?: number): Promise<Server> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (data, from) => {
    const text = data.toString();
    received.push(text);
    if (status === undefined || text.startsWith('SIP/2.0')) return;
    const head = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].map((h) => `${new RegExp(`^${h}:.*$`, 'm').exec(text)![0]}${h === 'To' ? ';tag=srv' : ''}`);
    socket.send(`SIP/2.0 ${status} X\r\n${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, received, socket };
}

describe('client failover to the next target (RFC 3263 §4.3)', () => {
  const open: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  async function stack(): Promise<SipStack> {
    const s = new SipStack({ listen: ['udp:127.0.0.1:0'], userAgent: 'test', log: new LogSink({ level: 'error', systemd: true, write: () => {} }).logger('sip'), timers: { T1: 5, T2: 40, T4: 50 } });
    await s.start();
    open.push({ close: () => s.stop() });
    return s;
  }

  function send(s: SipStack, route: Route): Promise<{ status: number } | { failure: string }> {
    const req = buildRequest('OPTIONS', 'sip:pbx.test', { from: '<sip:door@test>;tag=1', to: '<sip:pbx.test>', cseq: 1 });
    return new Promise((resolve) => {
      void s
        .send(req, { onResponse: (r: SipResponse) => r.status >= 200 && resolve({ status: r.status }), onFailure: (f) => resolve({ failure: f.kind }) }, route)
        .catch(() => {});
    });
  }

  const hop = (s: SipStack, port: number) => ({ destination: { protocol: 'udp' as const, host: '127.0.0.1', port }, transport: s.transports[0]! });

  it('moves on after a timeout and after a 503, each time with a new branch', async () => {
    const s = await stack();
    const [silent, unavailable, ok] = [await server(), await server(503), await server(200)];
    open.push(...[silent, unavailable, ok].map((x) => x.socket));
    const result = await send(s, { ...hop(s, silent.port), fallbacks: [hop(s, unavailable.port), hop(s, ok.port)] });
    expect(result).toEqual({ status: 200 });
    const branch = (text: string) => /branch=([^;\s]+)/.exec(text)![1];
    expect(new Set([silent.received[0]!, unavailable.received[0]!, ok.received[0]!].map(branch)).size).toBe(3);
    // Each request carries only our one Via: the one of the abandoned attempt is gone.
    expect(ok.received[0]!.match(/^Via:/gm)).toHaveLength(1);
  });

  it('reports the last failure when every target fails, and keeps a final answer other than 503', async () => {
    const s = await stack();
    const [silent, unavailable, busy] = [await server(), await server(503), await server(486)];
    open.push(...[silent, unavailable, busy].map((x) => x.socket));
    expect(await send(s, { ...hop(s, unavailable.port), fallbacks: [hop(s, silent.port)] })).toEqual({ failure: 'timeout' });
    expect(await send(s, { ...hop(s, busy.port), fallbacks: [hop(s, silent.port)] })).toEqual({ status: 486 });
    expect(await send(s, { ...hop(s, silent.port), fallbacks: [hop(s, unavailable.port)] })).toEqual({ status: 503 });
  });
});
