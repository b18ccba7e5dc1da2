/**
 * A client transaction whose request went out on a TCP connection that
 * then closes before a final response fails at once with a transport
 * error (RFC 3261 §18.4, §17.1.1.2, §17.1.2.2), not after Timer B/F: the
 * case of a registrar shutting down that accepted the REGISTER's
 * connection and closed it unanswered. Real sockets on 127.0.0.1; T1 is
 * set to a minute, so Timer F (64*T1) could not end any of these tests.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../../src/log/logger.js';
import { SipStack, type ClientFailure, type Route } from '../../../../src/sip/core/sip-stack.js';
import { buildRequest } from '../../../../src/sip/message/build-request.js';
import type { SipResponse } from '../../../../src/sip/message/index.js';

type Behaviour = 'close' | 'answer-then-close' | 'answer';

interface TcpServer {
  port: number;
  requests: string[];
  server: Server;
}

/** Reads each request whole (headers; our requests have no body), then closes or answers 200 as told. */
async function tcpServer(behaviour: Behaviour): Promise<TcpServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = buffered.slice(0, end + 4);
      buffered = buffered.slice(end + 4);
      requests.push(text);
      if (behaviour === 'close') return void socket.destroy();
      if (socket.writableEnded) return;
      const head = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].map((h) => `${new RegExp(`^${h}:.*$`, 'm').exec(text)![0]}${h === 'To' ? ';tag=srv' : ''}`);
      socket.write(`SIP/2.0 200 OK\r\n${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, () => {
        if (behaviour === 'answer-then-close') socket.end();
      });
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, requests, server };
}

type Outcome = { status: number } | { failure: ClientFailure };

describe('client transactions on a TCP connection that closes (§18.4)', () => {
  const open: Array<() => Promise<unknown> | void> = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });

  async function stack(): Promise<SipStack> {
    const s = new SipStack({ listen: ['tcp:127.0.0.1:0'], userAgent: 'test', log: silentLogger, timers: { T1: 60_000, T2: 60_000, T4: 60_000 } });
    await s.start();
    open.push(() => s.stop());
    return s;
  }

  async function server(behaviour: Behaviour): Promise<TcpServer> {
    const srv = await tcpServer(behaviour);
    open.push(() => new Promise<void>((r) => srv.server.close(() => r())));
    return srv;
  }

  const hop = (s: SipStack, port: number): Route => ({ destination: { protocol: 'tcp', host: '127.0.0.1', port }, transport: s.transports[0]! });

  /** Sends `method` along `route`; resolves with the final response or the failure, and collects whatever else the TU hears. */
  function send(s: SipStack, method: string, route: Route, heard: Outcome[] = []): Promise<Outcome> {
    const req = buildRequest(method, 'sip:registrar.test', { from: '<sip:door@test>;tag=1', to: '<sip:door@test>', cseq: 1 });
    return new Promise((resolve) => {
      void s
        .send(
          req,
          {
            onResponse: (r: SipResponse) => {
              if (r.status < 200) return;
              heard.push({ status: r.status });
              resolve({ status: r.status });
            },
            onFailure: (f) => {
              heard.push({ failure: f });
              resolve({ failure: f });
            },
          },
          route,
        )
        .catch(() => {});
    });
  }

  it('fails a REGISTER at once as unreachable when the server reads it and closes', async () => {
    const s = await stack();
    const srv = await server('close');
    const outcome = await send(s, 'REGISTER', hop(s, srv.port));
    expect(srv.requests[0]).toMatch(/^REGISTER /);
    expect(outcome).toEqual({ failure: { kind: 'unreachable', reason: `tcp connection to 127.0.0.1:${srv.port} closed before a final response` } });
    expect(s.watchedClientFlows).toBe(0);
  });

  it('fails an INVITE in Calling the same way', async () => {
    const s = await stack();
    const srv = await server('close');
    const outcome = await send(s, 'INVITE', hop(s, srv.port));
    expect(srv.requests[0]).toMatch(/^INVITE /);
    expect(outcome).toMatchObject({ failure: { kind: 'unreachable' } });
    expect(s.watchedClientFlows).toBe(0);
  });

  it('moves on to the next target (RFC 3263 §4.3) when the first closes without answering', async () => {
    const s = await stack();
    const [closing, answering] = [await server('close'), await server('answer')];
    const outcome = await send(s, 'REGISTER', { ...hop(s, closing.port), fallbacks: [hop(s, answering.port)] });
    expect(outcome).toEqual({ status: 200 });
    expect(closing.requests).toHaveLength(1);
    expect(answering.requests).toHaveLength(1);
  });

  it('leaves an answered transaction alone when the connection closes after the answer', async () => {
    const s = await stack();
    const srv = await server('answer-then-close');
    const heard: Outcome[] = [];
    const closed = new Promise<void>((r) => s.addDelegate({ onFlowClosed: () => r() }));
    expect(await send(s, 'REGISTER', hop(s, srv.port), heard)).toEqual({ status: 200 });
    await closed;
    // Nothing more for the REGISTER; a second request opens a new connection and is answered too.
    expect(await send(s, 'OPTIONS', hop(s, srv.port), heard)).toEqual({ status: 200 });
    expect(heard).toEqual([{ status: 200 }, { status: 200 }]);
    // Timer K (0 on TCP, §17.1.2.2) ends the OPTIONS transaction, and with it its watch.
    await vi.waitFor(() => expect(s.watchedClientFlows).toBe(0));
  });
});
