/**
 * Registration when registrars go away, with real Kamailios over TCP
 * (a stopped Kamailio closes its connections, so the daemon hears of it at
 * once instead of after a 32 s REGISTER timeout on UDP):
 * - primary stopped → the binding moves to the backup; primary back → the
 *   binding moves back and the backup's is removed;
 * - the only registrar stopped and restarted → registered again (within
 *   the back-off; the test asserts that it comes back, not how fast);
 * - a registrar that hangs with the connection open is found out by the
 *   RFC 5626 CRLF keep-alives (no pong within 10 s) and the door
 *   re-registers on a new flow.
 * Each binding is checked from the registrar's side: an OPTIONS to
 * sip:door@myhouse sent to Kamailio is relayed to the door, which answers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { converse, type RunningDaemon } from '../../support/daemon.js';
import { startDaemonCleanedBy } from '../../support/watched-daemon.js';
import { answersOptions, answersOptionsWithin, hasKamailio, startKamailio, type KamailioOptions, type RunningKamailio } from '../../support/kamailio.js';
import { until } from '../../support/wait.js';

const status = async (d: RunningDaemon): Promise<string> => converse(d.socket, 'register-status 1\n');
const inState = (d: RunningDaemon, state: 'Ok' | 'Failed') => async () => ((await status(d)).includes(`State: LinphoneRegistration${state}`) ? true : undefined);
const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;
/** The door is reachable through this Kamailio's location table. */
const reachesDoor = (k: RunningKamailio, withinMs = 10_000) => answersOptionsWithin(k.port, withinMs, '127.0.0.1', 'sip:door@myhouse');

describe.skipIf(!hasKamailio)('registration failover and flow recovery with Kamailio', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  async function kamailio(opts: KamailioOptions = {}): Promise<RunningKamailio> {
    const k = await startKamailio({ users: { door: 'fo-pw' }, ...opts });
    cleanups.push(() => k.stop());
    return k;
  }

  async function daemon(account: string): Promise<RunningDaemon> {
    return startDaemonCleanedBy(
      cleanups,
      `[sip]\nlisten = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]\nidentity = "sip:door@myhouse"\n` +
        `[account]\npassword = "fo-pw"\nexpires = 60\n${account}[log]\nlevel = "debug"\n`,
      { timeoutMs: 120_000 },
    );
  }

  it('moves to the backup registrar when the primary stops, and back when it returns', { timeout: 90_000 }, async () => {
    let primary = await kamailio();
    const backup = await kamailio();
    const d = await daemon(
      `registrar = "sip:127.0.0.1:${primary.port};transport=tcp"\nbackup_registrar = "sip:127.0.0.1:${backup.port};transport=tcp"\n`,
    );
    await until('registration at the primary', inState(d, 'Ok'));
    expect(await reachesDoor(primary)).toBe(true);

    await primary.stop();
    await until('registration at the backup', () => /registered at backup sip:127\.0\.0\.1:\d+;transport=tcp/.test(d.output()), 30_000);
    expect(await status(d)).toContain('State: LinphoneRegistrationOk');
    expect(d.output()).toContain(`registration at sip:127.0.0.1:${primary.port};transport=tcp failed`);
    expect(await reachesDoor(backup)).toBe(true);

    // Same port: the door only knows the primary by its URI.
    primary = await kamailio({ port: primary.port });
    await until('return to the primary', () => /primary registrar sip:127\.0\.0\.1:\d+;transport=tcp is back/.test(d.output()), 60_000);
    expect(await status(d)).toContain('State: LinphoneRegistrationOk');
    expect(await reachesDoor(primary)).toBe(true);
    // Leaving the backup removes the binding there (Expires: 0): Kamailio then answers 404 itself.
    await until('backup binding removed', async () => !(await answersOptions(backup.port, '127.0.0.1', 'sip:door@myhouse')) || undefined);
  });

  it('registers again when its only registrar is stopped and restarted', { timeout: 150_000 }, async () => {
    let k = await kamailio();
    const d = await daemon(`registrar = "sip:127.0.0.1:${k.port};transport=tcp"\n`);
    await until('registration', inState(d, 'Ok'));

    await k.stop();
    // Within a second (the closed flow), also when the re-REGISTER went out on a connection a Kamailio still
    // shutting down accepted and closed unanswered: that connection's close fails the REGISTER at once as a
    // transport error (§18.4; test/unit/sip/core/client-connection-loss.test.ts), not at Timer F (32 s).
    // The wider bound is only for a loaded machine.
    await until('the loss noticed', inState(d, 'Failed'), 45_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n--- daemon output ---\n${d.output().slice(-4000)}`);
    });
    // The closed connection is a failed flow (RFC 5626 §4.4): re-registered at once, then backing off.
    expect(d.output()).toMatch(/flow to sip:127\.0\.0\.1:\d+;transport=tcp lost; re-registering/);
    expect(d.output()).toMatch(/next registration attempt in \d+ s/);

    k = await kamailio({ port: k.port });
    await until('registration again', () => count(d.output(), /registered at sip:127\.0\.0\.1:\d+;transport=tcp for/) >= 2, 60_000);
    expect(await status(d)).toContain('State: LinphoneRegistrationOk');
    expect(k.log()).toMatch(/REGISTER from door over tcp/);
    expect(await reachesDoor(k)).toBe(true);
  });

  it('finds a hung registrar by its missing keep-alive pongs and re-registers on a new flow', { timeout: 90_000 }, async () => {
    // RFC 5626 §5.4: the registrar asks for a keep-alive every 3 s (Flow-Timer), so the test need not wait 2 minutes.
    const k = await kamailio({ flowTimer: 3 });
    const d = await daemon(`registrar = "sip:127.0.0.1:${k.port};transport=tcp"\n`);
    await until('registration', inState(d, 'Ok'));
    expect(d.output()).toMatch(/tcp flow to 127\.0\.0\.1:\d+: keep-alive every [23] s/);
    await until('a pong from Kamailio', () => /tcp flow to 127\.0\.0\.1:\d+ answers keep-alives/.test(d.output()));

    // SIGSTOP: the kernel keeps the connection open and ACKs our pings, but nothing answers them.
    k.pause();
    try {
      await until('the dead flow found', () => /no keep-alive pong within 10 s; closing it/.test(d.output()), 30_000);
      await until('re-registration started', () => /flow to sip:127\.0\.0\.1:\d+;transport=tcp lost; re-registering/.test(d.output()));
    } finally {
      k.resume();
    }
    await until('registered on the new flow', () => count(d.output(), /registered at sip:127\.0\.0\.1:\d+;transport=tcp for/) >= 2, 45_000);
    expect(await status(d)).toContain('State: LinphoneRegistrationOk');
    expect(await reachesDoor(k)).toBe(true);
  });
});
