import { afterEach, describe, expect, it } from 'vitest';
import { SystemdNotifier } from '../../../src/systemd/notify.js';
import { fields, hasPython3, hasSystemdNotify, listenNotify, type NotifyListener } from '../../support/notify-listener.js';

const canRun = hasPython3 && hasSystemdNotify;
const why = !hasSystemdNotify
  ? 'systemd-notify missing (Debian package systemd; scripts/setup installs it)'
  : 'python3 missing (scripts/setup installs it)';

function quietLog(): { warn(msg: string): void; warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (msg) => warnings.push(msg) };
}

describe('SystemdNotifier without NOTIFY_SOCKET', () => {
  it('does nothing and reports false', async () => {
    const log = quietLog();
    const n = new SystemdNotifier({ env: {}, command: '/nonexistent/systemd-notify', log });
    expect(n.enabled).toBe(false);
    expect(await n.ready()).toBe(false);
    expect(await n.stopping()).toBe(false);
    expect(await n.status('x')).toBe(false);
    expect(n.startWatchdog()).toBeUndefined();
    expect(log.warnings).toEqual([]);
  });

  it('starts no watchdog without WATCHDOG_USEC, or when WATCHDOG_PID names another process', () => {
    const env = { NOTIFY_SOCKET: '/run/nothing' };
    expect(new SystemdNotifier({ env }).startWatchdog()).toBeUndefined();
    expect(new SystemdNotifier({ env: { ...env, WATCHDOG_USEC: 'abc' } }).startWatchdog()).toBeUndefined();
    expect(new SystemdNotifier({ env: { ...env, WATCHDOG_USEC: '0' } }).startWatchdog()).toBeUndefined();
    const other = new SystemdNotifier({ env: { ...env, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }, pid: 4242 });
    expect(other.startWatchdog()).toBeUndefined();
    const ours = new SystemdNotifier({ env: { ...env, WATCHDOG_USEC: '30000000', WATCHDOG_PID: '4242' }, pid: 4242 });
    const pinger = ours.startWatchdog();
    expect(pinger?.intervalMs).toBe(15_000);
    pinger?.stop();
  });

  it('reports a missing systemd-notify once, without throwing', async () => {
    const log = quietLog();
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/run/nothing' }, command: '/nonexistent/systemd-notify', log });
    expect(await n.ready()).toBe(false);
    expect(await n.status('again')).toBe(false);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/not found/);
  });
});

describe.skipIf(!canRun)(`SystemdNotifier with a notify socket${canRun ? '' : ` (skipped: ${why})`}`, () => {
  let listener: NotifyListener | undefined;
  afterEach(() => {
    listener?.close();
    listener = undefined;
  });

  for (const abstract of [false, true]) {
    it(`delivers READY=1, STATUS= and STOPPING=1 in order to a ${abstract ? 'abstract (@name)' : 'path'} socket`, async () => {
      listener = await listenNotify({ abstract });
      const log = quietLog();
      const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: listener.address, PATH: process.env.PATH }, log });
      // Fired together: the queue must keep them in order.
      const sent = await Promise.all([n.ready(), n.status('ringing\nsip:a@b'), n.stopping()]);
      expect(sent).toEqual([true, true, true]);
      const payload = listener.messages.filter((m) => !m.includes('BARRIER=1')).map(fields);
      expect(payload.map((f) => [...f.keys()].filter((k) => k !== 'MAINPID'))).toEqual([['READY'], ['STATUS'], ['STOPPING']]);
      expect(payload[0]!.get('READY')).toBe('1');
      expect(payload[0]!.get('MAINPID')).toBe(String(process.pid));
      expect(payload[1]!.get('STATUS')).toBe('ringing sip:a@b');
      expect(log.warnings).toEqual([]);
    });
  }

  it('pings WATCHDOG=1 at half of WATCHDOG_USEC while WATCHDOG_PID is ours', async () => {
    listener = await listenNotify();
    const n = new SystemdNotifier({
      env: { NOTIFY_SOCKET: listener.address, PATH: process.env.PATH, WATCHDOG_USEC: '400000', WATCHDOG_PID: String(process.pid) },
    });
    const pinger = n.startWatchdog();
    expect(pinger?.intervalMs).toBe(200);
    try {
      const started = Date.now();
      await listener.waitFor((m) => fields(m).get('WATCHDOG') === '1', 5_000, 3);
      // Three pings 200 ms apart, not a burst.
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    } finally {
      pinger?.stop();
    }
  });

  it('reports failure when nobody listens on the socket', async () => {
    const log = quietLog();
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/nonexistent/notify', PATH: process.env.PATH }, log });
    expect(await n.ready()).toBe(false);
    expect(log.warnings.join('\n')).toMatch(/READY=1 failed/);
  });
});
