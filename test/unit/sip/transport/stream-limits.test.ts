/**
 * Issue 12 row 4: what a flood over TCP may cost. Before the limits, 300
 * connections each sending 1 MiB that never ended added 332 MiB in 4 s
 * and used up the descriptors the control socket needed. Real sockets on
 * loopback; several source addresses come from 127.0.0.0/8.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log/logger.js';
import type { Received } from '../../../../src/sip/transport/transport.js';
import { STREAM_LIMITS, type StreamLimits } from '../../../../src/sip/transport/stream-limits.js';
import { StreamTransport } from '../../../../src/sip/transport/stream-transport.js';
import { until } from '../../../support/wait.js';

const options = (n: number) =>
  Buffer.from(
    `OPTIONS sip:door@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK${n}\r\nFrom: <sip:a@b>;tag=${n}\r\nTo: <sip:door@127.0.0.1>\r\nCall-ID: c${n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  );

describe('StreamTransport limits (issue 12)', () => {
  const transports: StreamTransport[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const t of transports.splice(0)) await t.stop();
  });

  async function listen(limits: Partial<StreamLimits> = {}) {
    const received: Received[] = [];
    const t = new StreamTransport({ protocol: 'tcp', host: '127.0.0.1', port: 0 }, { onMessage: (r) => received.push(r) }, silentLogger, { limits });
    await t.start();
    transports.push(t);
    return { t, received };
  }

  /** A client socket from `from`, with whether the server has closed it. */
  async function client(t: StreamTransport, from = '127.0.0.1') {
    const s = connect({ host: '127.0.0.1', port: t.local.port, localAddress: from });
    sockets.push(s);
    const state = { closed: false };
    s.on('close', () => (state.closed = true));
    s.on('error', () => {});
    s.on('data', () => {});
    await new Promise<void>((resolve) => {
      s.once('connect', resolve);
      s.once('close', resolve);
    });
    return { s, state };
  }

  it('300 connections sending 1 MiB each: a few are kept, little is held, and another address is still served', async () => {
    const { t, received } = await listen();
    const junk = Buffer.alloc(1024 * 1024, 'a');
    const flood = await Promise.all(Array.from({ length: 300 }, () => client(t)));
    for (const c of flood) if (!c.state.closed) c.s.write(junk);
    await until('the flood to be cut down', () => t.connectionCount <= STREAM_LIMITS.maxPerAddress && flood.filter((c) => !c.state.closed).length <= STREAM_LIMITS.maxPerAddress);
    expect(t.bufferedBytes).toBeLessThanOrEqual(STREAM_LIMITS.maxPerAddress * (STREAM_LIMITS.maxHeaderBytes + 64 * 1024));
    const screen = await client(t, '127.0.0.2');
    screen.s.write(options(1));
    await until('the screen to be heard', () => received.some((r) => r.source.host === '127.0.0.2'));
  });

  it('a message begun and never finished, or a connection that says nothing, is closed (slow loris)', async () => {
    const { t } = await listen({ messageDeadlineMs: 200 });
    const half = await client(t);
    half.s.write('OPTIONS sip:door@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;bra');
    const silent = await client(t);
    await until('both to be closed', () => half.state.closed && silent.state.closed);
    expect(t.connectionCount).toBe(0);
  });

  it('a connection that keeps sending a header byte by byte is closed at the deadline all the same', async () => {
    const { t } = await listen({ messageDeadlineMs: 300 });
    const loris = await client(t);
    const drip = setInterval(() => loris.s.write('X'), 20);
    try {
      await until('the drip to be cut', () => loris.state.closed);
    } finally {
      clearInterval(drip);
    }
  });

  it('at the total cap the least recently used incoming connection makes room', async () => {
    const { t, received } = await listen({ maxConnections: 3, maxPerAddress: 2 });
    const first = await client(t, '127.0.0.1');
    first.s.write(options(1));
    await until('the first message', () => received.length === 1);
    const others = [await client(t, '127.0.0.2'), await client(t, '127.0.0.3')];
    others.forEach((o, i) => o.s.write(options(2 + i)));
    await until('three messages', () => received.length === 3);
    const late = await client(t, '127.0.0.4');
    late.s.write(options(9));
    await until('the late one to be heard', () => received.length === 4);
    await until('the least recently used to be closed', () => first.state.closed);
    expect(others.every((o) => !o.state.closed)).toBe(true);
  });

  it('more connections from one address than allowed are closed on arrival', async () => {
    const { t } = await listen({ maxPerAddress: 2 });
    const cs = [await client(t), await client(t), await client(t), await client(t)];
    await until('two to be refused', () => cs.filter((c) => c.state.closed).length === 2);
    expect(t.connectionCount).toBe(2);
  });
});
