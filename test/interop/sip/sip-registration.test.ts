/**
 * The daemon registers with a real Kamailio that challenges with digest
 * (MD5 and SHA-256), refreshes before expiry, shows it on the control
 * socket, and removes its binding when it stops.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../../support/wait.js';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { hasKamailio, startKamailio } from '../../support/kamailio.js';


const registered = (d: RunningDaemon) => async () => {
  const out = await converse(d.socket, 'register-status 1\n');
  return out.includes('State: LinphoneRegistrationOk') ? out : undefined;
};

describe.skipIf(!hasKamailio)('registration with Kamailio', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  async function setup(kamailio: Parameters<typeof startKamailio>[0], account: string, transport = 'udp') {
    const k = await startKamailio(kamailio);
    cleanups.push(() => k.stop());
    const d = await startDaemon(
      `[sip]\nlisten = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]\nidentity = "sip:door@myhouse"\n` +
        `[account]\nregistrar = "sip:127.0.0.1:${k.port}${transport === 'udp' ? '' : ';transport=' + transport}"\nexpires = 60\n${account}` +
        `[log]\nlevel = "debug"\n`,
    );
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    return { k, d };
  }

  it('registers with an MD5 digest challenge and reports LinphoneRegistrationOk', async () => {
    const { d } = await setup({ users: { door: 's3cret-pw' } }, 'password = "s3cret-pw"\n');
    const status = await until('registration', registered(d));
    expect(status).toBe('Status: Ok\n\nId: 1\nState: LinphoneRegistrationOk\n\n');
    expect(d.output()).not.toContain('s3cret-pw');
    const events = await converse(d.socket, 'pop-event\npop-event\n');
    expect(events).toContain('Event-type: registration-state-changed\n\nId: 1\nState: LinphoneRegistrationProgress');
    expect(events).toContain('State: LinphoneRegistrationOk');
  });

  it('answers a SHA-256 challenge (RFC 8760) over TCP', async () => {
    const { d } = await setup({ users: { door: 'pw256' }, algorithm: 'SHA-256' }, 'password = "pw256"\n', 'tcp');
    await until('registration', registered(d));
    expect(d.output()).toMatch(/registered at sip:127\.0\.0\.1:\d+;transport=tcp/);
  });

  it('registers with a stored HA1 instead of a password', async () => {
    const { createHash } = await import('node:crypto');
    const ha1 = createHash('md5').update('door:myhouse:hashed-pw').digest('hex');
    const { d } = await setup({ users: { door: 'hashed-pw' } }, `ha1 = "${ha1}"\n`);
    await until('registration', registered(d));
    expect(d.output()).not.toContain(ha1);
  });

  it('says clearly when the password is wrong, and keeps retrying', async () => {
    const { d } = await setup({ users: { door: 'right' } }, 'password = "wrong-one"\n');
    const out = await until('failure', async () => {
      const s = await converse(d.socket, 'register-status\n');
      return s.includes('LinphoneRegistrationFailed') ? s : undefined;
    });
    expect(out).toContain('Id: 1');
    expect(d.output()).toMatch(/registration at .* failed: authentication failed for realm myhouse/);
    expect(d.output()).toMatch(/next registration attempt in \d+ s/);
  });

  it('refreshes before the granted expiry runs out', async () => {
    const { d } = await setup({ users: { door: 'pw' }, maxExpires: 12 }, 'password = "pw"\n');
    await until('two registrations', () => ((d.output().match(/registered at .* for 12 s/g) ?? []).length >= 2 ? true : undefined), 20_000);
  });

  it('unregisters on command and on shutdown (Expires: 0), and register brings it back', async () => {
    const { d } = await setup({ users: { door: 'pw' } }, 'password = "pw"\n');
    await until('registration', registered(d));
    expect(await converse(d.socket, 'unregister 1\n')).toBe('Status: Ok\n\n');
    expect(await converse(d.socket, 'register-status 1\n')).toContain('State: LinphoneRegistrationCleared');
    expect(await converse(d.socket, 'register\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('registration again', registered(d));
    expect(await converse(d.socket, 'register-status 7\n')).toBe('Status: Error\nReason: No register with such id.\n\n');
    expect(await d.stop()).toBe(0);
  });
});
