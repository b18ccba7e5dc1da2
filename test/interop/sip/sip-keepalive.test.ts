/**
 * Issue 12 row 7, with a real Kamailio (5.6) answering RFC 5626 keep-alives
 * over TCP: every pong it sends is a pong. Before the fix every second lone
 * CRLF was taken for half a ping, that round's pong went missing, and the
 * door closed its healthy registrar flow every other round. The registrar
 * asks for a keep-alive every 3 s (Flow-Timer), so a dozen rounds take
 * under a minute; the test counts pings, not seconds.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { hasKamailio, startKamailio } from '../../support/kamailio.js';
import { until } from '../../support/wait.js';

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

describe.skipIf(!hasKamailio)('RFC 5626 keep-alives with Kamailio', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('keeps a healthy registrar flow through many keep-alive rounds', { timeout: 120_000 }, async () => {
    const k = await startKamailio({ users: { door: 'ka-pw' }, flowTimer: 3 });
    cleanups.push(() => k.stop());
    const d: RunningDaemon = await startDaemon(
      `[sip]\nlisten = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]\nidentity = "sip:door@myhouse"\n` +
        `[account]\nregistrar = "sip:127.0.0.1:${k.port};transport=tcp"\npassword = "ka-pw"\nexpires = 600\n[log]\nlevel = "trace"\n`,
      { timeoutMs: 150_000 },
    );
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    await until('registration', async () => (await converse(d.socket, 'register-status 1\n')).includes('State: LinphoneRegistrationOk'));
    await until('a pong from Kamailio', () => /tcp flow to 127\.0\.0\.1:\d+ answers keep-alives/.test(d.output()), 30_000);
    // Twelve pings: with the bug the flow was closed 10 s after the second one.
    await until('twelve keep-alive rounds', () => count(d.output(), /keep-alive ping to tcp:/) >= 12, 90_000);
    expect(d.output()).not.toMatch(/no keep-alive pong within/);
    expect(d.output()).not.toMatch(/lost; re-registering/);
    expect(count(d.output(), /registered at sip:127\.0\.0\.1:\d+;transport=tcp for/)).toBe(1);
  });
});
