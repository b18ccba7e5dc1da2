/**
 * Issue 12 row 5 against the built daemon: INVITEs and MESSAGEs from URIs
 * not in door.allowed, as fast as loopback takes them. Before, each was
 * refused statefully (403 retransmitted until Timer H, a log line each):
 * 1.09 GiB at ~4.5k INVITE/s, replies 3.5-10x the request bytes. Now each
 * gets exactly one 403 no larger than itself, no 100 Trying, and the log a
 * warning or two however many came (the event bus still logs each
 * door-refused event at info; that line is not the SIP layer's).
 */
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.js';
import { startDaemon } from '../../support/daemon.js';
import { until } from '../../support/wait.js';
import { floodStrangers, strangerSocket } from '../../support/stranger-request.js';

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

describe('a flood of strangers at the door', () => {
  const cleanups = useCleanups();

  it('one small 403 each, no transaction kept, a bounded log', { timeout: 90_000 }, async () => {
    const d = await startDaemon('[door]\nallowed = ["sip:screen@127.0.0.1"]\nopen_code = "7391"\n[log]\nlevel = "info"\n', { timeoutMs: 90_000 });
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    const port = Number(await until('the UDP listener', () => /listening on udp:127\.0\.0\.1:(\d+)/.exec(d.output())?.[1]));
    const peer = await strangerSocket();
    cleanups.push(() => peer.socket.close());
    const { replies } = peer;
    const linesBefore = d.output().split('\n').length;

    const N = 1000;
    const largest = await floodStrangers(peer, port, N, 25);
    // Timer G would resend a stateful 403 after 500 ms: wait past it and count again.
    await new Promise((r) => setTimeout(r, 1500));
    expect(replies).toHaveLength(N);
    expect(replies.every((r) => r.toString().startsWith('SIP/2.0 403 '))).toBe(true);
    expect(Math.max(...replies.map((r) => r.length))).toBeLessThanOrEqual(largest);
    const newLines = d.output().split('\n').slice(linesBefore - 1).join('\n');
    // Warnings only: the control event log (`events: event door-refused …`, one per MESSAGE, at info) is the event bus's.
    expect(count(newLines, /warn .*(refused|not opened|more )/)).toBeLessThanOrEqual(4);
  });
});
