/**
 * UDP send errors: a datagram the kernel dropped on our side (EPERM from a
 * firewall rule, ENOBUFS/EAGAIN from a full queue) is packet loss, which
 * the transaction's retransmissions repair; anything else still fails the
 * send (reliability-network.test.ts shows the first with real drops).
 */
import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log/logger.js';
import { UdpTransport } from '../../../../src/sip/transport/udp-transport.js';

/** Makes the transport's socket fail every send with `code`, as the kernel would. */
function failSends(t: UdpTransport, code: string): void {
  const socket = (t as unknown as { socket: Socket }).socket;
  (socket as unknown as { send: (...args: unknown[]) => void }).send = (...args: unknown[]) => {
    const cb = args.at(-1) as (e: NodeJS.ErrnoException | null) => void;
    const e: NodeJS.ErrnoException = Object.assign(new Error(`send ${code}`), { code });
    setImmediate(() => cb(e));
  };
}

describe('UdpTransport send errors', () => {
  const started: UdpTransport[] = [];
  afterEach(async () => {
    for (const t of started.splice(0)) await t.stop();
  });

  async function transport(): Promise<UdpTransport> {
    const t = new UdpTransport({ protocol: 'udp', host: '127.0.0.1', port: 0 }, { onMessage: () => {} }, silentLogger);
    await t.start();
    started.push(t);
    return t;
  }

  it.each(['EPERM', 'ENOBUFS', 'EAGAIN'])('%s is a lost datagram: send() resolves', async (code) => {
    const t = await transport();
    failSends(t, code);
    await expect(t.send(Buffer.from('OPTIONS'), { protocol: 'udp', host: '127.0.0.1', port: 9 })).resolves.toBeUndefined();
  });

  it('ENETUNREACH still fails the send', async () => {
    const t = await transport();
    failSends(t, 'ENETUNREACH');
    await expect(t.send(Buffer.from('OPTIONS'), { protocol: 'udp', host: '127.0.0.1', port: 9 })).rejects.toThrow(/UDP send to 127\.0\.0\.1:9: send ENETUNREACH/);
  });
});
