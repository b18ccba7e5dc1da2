/**
 * Issue 12 row 5: INVITE and MESSAGE floods from strangers were refused
 * statefully (403 retransmitted until Timer H, one log line each): 1.09 GiB
 * at ~4.5k INVITE/s, replies 3.5-10x the request bytes. Refused through
 * rejectStateless, a flood leaves no transaction, each request gets one
 * reply no larger than itself, and the log gets a summary line.
 */
import { describe, expect, it } from 'vitest';
import { LogSink } from '../../../../src/log/logger.js';
import { SipStack } from '../../../../src/sip/core/sip-stack.js';
import { useCleanups } from '../../../support/cleanups.js';
import { until } from '../../../support/wait.js';
import { floodStrangers, strangerRequest, strangerSocket } from '../../../support/stranger-request.js';

describe('stateless refusal of strangers (issue 12)', () => {
  const cleanups = useCleanups();

  it('a flood of INVITEs and MESSAGEs leaves no transaction, one small reply each, a bounded log', async () => {
    const lines: string[] = [];
    const log = new LogSink({ level: 'debug', systemd: false, write: (l) => lines.push(l) }).logger('sip');
    // Short timers: a stateful 403 would be retransmitted every 10 ms (Timer G), which the count below would show.
    const stack = new SipStack({ listen: ['udp:127.0.0.1:0'], userAgent: 'test', log, timers: { T1: 10, T2: 40 } });
    cleanups.push(() => stack.stop());
    for (const method of ['INVITE', 'MESSAGE']) stack.handle(method, (inc) => inc.rejectStateless(403, `refused ${method} from ${inc.request.headers.get('From')}`));
    await stack.start();
    const before = lines.length;
    const port = stack.transports[0]!.local.port;

    const peer = await strangerSocket();
    cleanups.push(() => peer.socket.close());
    const { replies } = peer;

    const N = 400;
    const largestRequest = await floodStrangers(peer, port, N, 20);
    expect(stack.serverTransactionCount).toBe(0);
    // Well past several Timer G rounds: still one reply per request, never a retransmission.
    await new Promise((r) => setTimeout(r, 300));
    expect(replies).toHaveLength(N);
    for (const r of replies) {
      expect(r.toString().startsWith('SIP/2.0 403 ')).toBe(true);
      expect(r.length).toBeLessThanOrEqual(largestRequest);
    }
    expect(lines.length - before).toBeLessThanOrEqual(2);
  });

  it('a retransmitted INVITE gets the same To tag, and no 100 Trying comes before the 403 (RFC 3261 §8.2.7)', async () => {
    const log = new LogSink({ level: 'error', systemd: false, write: () => {} }).logger('sip');
    const stack = new SipStack({ listen: ['udp:127.0.0.1:0'], userAgent: 'test', log });
    cleanups.push(() => stack.stop());
    stack.handle('INVITE', (inc) => inc.rejectStateless(403));
    await stack.start();
    const port = stack.transports[0]!.local.port;
    const { socket: s, port: me, replies } = await strangerSocket();
    cleanups.push(() => s.close());
    const req = strangerRequest('INVITE', 1, port, me);
    s.send(req, port, '127.0.0.1');
    await until('the first 403', () => replies.length === 1);
    s.send(req, port, '127.0.0.1');
    await until('the second 403', () => replies.length === 2);
    expect(replies.every((r) => r.toString().startsWith('SIP/2.0 403 '))).toBe(true);
    const tag = (r: Buffer) => /^To:.*;tag=([^\r;]+)/m.exec(r.toString())?.[1];
    expect(tag(replies[0]!)).toBeDefined();
    expect(tag(replies[1]!)).toBe(tag(replies[0]!));
  });

  it('past the bound on server transactions, a new request gets 503 statelessly and adds none', async () => {
    const log = new LogSink({ level: 'error', systemd: false, write: () => {} }).logger('sip');
    const stack = new SipStack({ listen: ['udp:127.0.0.1:0'], userAgent: 'test', log, maxServerTransactions: 3 });
    cleanups.push(() => stack.stop());
    await stack.start();
    const port = stack.transports[0]!.local.port;
    const { socket: s, port: me, replies } = await strangerSocket();
    cleanups.push(() => s.close());
    for (let i = 0; i < 5; i++) s.send(strangerRequest('MESSAGE', i, port, me), port, '127.0.0.1');
    await until('a reply to each request', () => replies.length === 5);
    expect(stack.serverTransactionCount).toBe(3);
    expect(replies.filter((r) => r.toString().startsWith('SIP/2.0 405 '))).toHaveLength(3);
    expect(replies.filter((r) => r.toString().startsWith('SIP/2.0 503 '))).toHaveLength(2);
  });
});
