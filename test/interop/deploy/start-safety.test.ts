/**
 * Issue 12 rows 8 and 15, on the built daemon: a relay a killed run left on
 * is driven off first, whatever then fails at start (config error, TLS file
 * unreadable, media ports taken); SIGHUP is logged and ignored, SIGUSR1
 * does not open the Node inspector. The simulator's levels are files
 * (DOORSTATION_SIM_GPIO_DIR), as sysfs value files would be.
 */
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBounded, type BoundedProcess } from '../../support/bounded-process.js';
import { CLI, converse, tempDir } from '../../support/daemon.js';
import { until } from '../../support/wait.js';

const running: BoundedProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.kill();
});

/** A daemon run whose relay (line 27, active-low when asked) was left on by a SIGKILL during a pulse. */
function setUp(toml: string, activeLow = false, sipExtra = '') {
  const dir = tempDir('doorstation-start-');
  const levels = join(dir, 'gpio');
  mkdirSync(join(levels, 'gpio27'), { recursive: true });
  const on = activeLow ? '0' : '1';
  writeFileSync(join(levels, 'gpio27', 'value'), `${on}\n`);
  const config = join(dir, 'doorstation.toml');
  const socket = join(dir, 'doorbell');
  writeFileSync(
    config,
    `[sip]\nlisten = ["udp:127.0.0.1:0"]\n${sipExtra}\n${toml}\n[control]\nsocket = "${socket}"\n[gpio]\nbackend = "sim"\nrelay = 27\nrelay_active_low = ${activeLow}\n`,
  );
  let out = '';
  const run = spawnBounded(process.execPath, [CLI, 'run', '-c', config], { cwd: dir, env: { ...process.env, JOURNAL_STREAM: '', DOORSTATION_SIM_GPIO_DIR: levels }, stdio: ['ignore', 'pipe', 'pipe'] }, 30_000);
  running.push(run);
  run.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  run.proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { run, socket, output: () => out, relay: () => readFileSync(join(levels, 'gpio27', 'value'), 'utf8').trim() };
}

describe('relay off first, whatever fails at start', () => {
  it.each([false, true])('config error (unknown key, active-low %s): exit 2, relay off', async (activeLow) => {
    const d = setUp('[door]\nopen_kode = "1234#"\n', activeLow);
    expect(await d.run.exited).toBe(2);
    expect(d.output()).toContain('unknown key');
    expect(d.relay()).toBe(activeLow ? '1' : '0');
  });

  it('a file that is not TOML at all: the [gpio] lines are still read, relay off', async () => {
    const d = setUp('[door\nthis is = = not toml\n', true);
    expect(await d.run.exited).toBe(2);
    expect(d.output()).toContain('TOML syntax error');
    expect(d.relay()).toBe('1');
  });

  it('TLS key unreadable: exit 1 naming the file, relay off', async () => {
    const d = setUp('', false, 'tls_cert = "/nonexistent/door.crt"\ntls_key = "/nonexistent/door.key"\n');
    expect(await d.run.exited).toBe(1);
    expect(d.output()).toContain('/nonexistent/door.crt');
    expect(d.relay()).toBe('0');
  });

  it('media failure (every RTP port taken): relay off; the door still starts', async () => {
    const hold = [];
    const base = 40000 + Math.floor(Math.random() * 20000);
    for (let p = base; p < base + 4; p++) {
      const s = createSocket('udp4');
      await new Promise<void>((r, j) => s.once('error', j).bind(p, '127.0.0.1', () => r()));
      hold.push(s);
    }
    const d = setUp(`[media]\nrtp_ports = "${base}-${base + 3}"\n`);
    await until('ready or exited', () => d.output().includes('daemon: ready') || d.run.proc.exitCode !== null);
    expect(d.relay()).toBe('0');
    for (const s of hold) s.close();
  });
});

describe('signals', () => {
  it('SIGHUP is logged and ignored; SIGUSR1 opens no inspector; the door still answers and still opens', async () => {
    const d = setUp('');
    await until('daemon: ready', () => d.output().includes('daemon: ready'));
    const pid = d.run.proc.pid!;
    process.kill(pid, 'SIGHUP');
    process.kill(pid, 'SIGUSR1');
    await until('both signals logged as ignored', () => d.output().includes('SIGUSR1 ignored') && d.output().includes('SIGHUP ignored'));
    expect(d.run.proc.exitCode).toBeNull();
    expect(d.output()).not.toContain('Debugger listening');
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok/);
    // SIGHUP did not latch the relay off (the exit guard treats a handled SIGHUP as nothing).
    expect(await converse(d.socket, 'open-door\n')).toMatch(/^Status: Ok/);
    await until('the relay pulse', () => d.relay() === '1');
    d.run.proc.kill('SIGTERM');
    expect(await d.run.exited).toBe(0);
    expect(d.relay()).toBe('0');
  });
});
