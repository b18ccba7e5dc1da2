/**
 * Issue 12 row 4 against the built daemon: 300 TCP connections from one
 * address each sending 1 MiB that never ends. Before the limits this added
 * 332 MiB in 4 s and, with descriptors used up, the control socket refused
 * `open-door`. Now the daemon keeps a handful of them, its descriptors stay
 * few, the control socket answers during the flood, and SIP over TCP from
 * another address is still served.
 */
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { until } from '../../support/wait.js';

const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

describe('a TCP flood at the SIP port', () => {
  const sockets: Socket[] = [];
  let d: RunningDaemon | undefined;
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await d?.stop();
    d?.cleanup();
  });

  it('leaves descriptors and the control socket to the door', { timeout: 90_000 }, async () => {
    d = await startDaemon('[log]\nlevel = "info"\n', { timeoutMs: 90_000 });
    const port = Number(await until('the TCP listener', () => /listening on tcp:127\.0\.0\.1:(\d+)/.exec(d!.output())?.[1]));
    const pid = d.proc.pid!;
    const before = fds(pid);

    const junk = Buffer.alloc(1024 * 1024, 'a');
    let closed = 0;
    for (let i = 0; i < 300; i++) {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => {});
      s.on('close', () => closed++);
      s.on('connect', () => s.write(junk));
      sockets.push(s);
    }
    // Most are closed on arrival (8 per address), the rest when their headers pass 64 KiB.
    await until('the flood to be shut out', () => closed >= 300 - 8);
    expect(fds(pid)).toBeLessThanOrEqual(before + 8);
    expect(await converse(d.socket, 'memory\n')).toMatch(/Status: Ok[\s\S]*Rss: /);

    // A screen on another address still gets its OPTIONS answered over TCP.
    const screen = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
    sockets.push(screen);
    let reply = '';
    screen.on('data', (b) => (reply += b.toString()));
    screen.write(
      `OPTIONS sip:door@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.2:9;branch=z9hG4bKflood\r\nFrom: <sip:screen@127.0.0.2>;tag=1\r\nTo: <sip:door@127.0.0.1>\r\nCall-ID: flood-options\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
    );
    await until('the OPTIONS answer', () => reply.startsWith('SIP/2.0 200 '));
    expect(d.output()).toMatch(/more than 8 connections from one address; refused/);
  });
});
