/** Start-up and shutdown of the real daemon process: SPEC section 1's exit codes. */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, converse, startDaemon, tempDir } from '../../support/daemon.js';

const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('daemon lifecycle', () => {
  it('stops on SIGTERM with exit 0 and removes its socket', async () => {
    const d = await startDaemon();
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok/);
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(existsSync(d.socket)).toBe(false);
    expect(d.output()).toMatch(/SIGTERM: stopping[\s\S]*stopped/);
    d.cleanup();
  });

  it('stops on SIGINT with exit 0', async () => {
    const d = await startDaemon();
    expect(await d.stop('SIGINT')).toBe(0);
    d.cleanup();
  });

  it('prefixes log lines with syslog priorities under systemd (JOURNAL_STREAM set)', async () => {
    const d = await startDaemon('', { env: { JOURNAL_STREAM: '8:12345' } });
    await d.stop();
    expect(d.output()).toMatch(/^<6>daemon: doorstation \S+ starting/m);
    d.cleanup();
  });

  it('replaces a stale socket file and the regular file `socat - PATH` leaves behind', async () => {
    const dir = tempDir();
    const sock = join(dir, 'doorbell');
    const leftovers = {
      // A socket bound by a process that died without unlinking it, as a crash leaves it.
      'stale socket': () => execFileSync('python3', ['-c', `import socket,os; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(sock)}); os._exit(0)`]),
      'regular file': () => writeFileSync(sock, 'version\n'),
    };
    for (const [what, leave] of Object.entries(leftovers)) {
      leave();
      expect(existsSync(sock), what).toBe(true);
      const d = await startDaemon('', { dir });
      expect(await converse(sock, 'version\n'), what).toMatch(/^Status: Ok/);
      expect(d.output()).toMatch(what === 'stale socket' ? /removing stale control socket/ : /replacing .*: it was a regular file/);
      expect(await d.stop()).toBe(0);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to steal a socket another running process answers on (exit 1)', async () => {
    const d = await startDaemon();
    const cfg = join(d.dir, 'second.toml');
    writeFileSync(cfg, `[sip]\nlisten = ["udp:127.0.0.1:0"]\n[control]\nsocket = "${d.socket}"\n`);
    const second = cli(['run', '-c', cfg]);
    expect(second.status).toBe(1);
    expect(second.stdout + second.stderr).toMatch(/control socket .* is in use by another running process/);
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok/);
    await d.stop();
    d.cleanup();
  });

  it('exits 2 on a bad config, one line per problem naming file and key', () => {
    const dir = tempDir();
    const cfg = join(dir, 'bad.toml');
    writeFileSync(cfg, '[call]\nring_timeout = "soon"\n[gpio]\nrelay_pulse = 100\n');
    const r = cli(['run', '-c', cfg]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${cfg}: [call] ring_timeout: must be a number (got "soon")`,
      `${cfg}: [gpio] relay_pulse: unknown key (did you mean "relay_pulse_ms"?)`,
    ]);
    expect(cli(['run', '-c', join(dir, 'nope.toml')]).status).toBe(2);
    rmSync(dir, { recursive: true, force: true });
  });

  it('check-config prints the effective config with secrets masked (exit 0) or the problems (exit 2)', () => {
    const dir = tempDir();
    const good = join(dir, 'good.toml');
    writeFileSync(good, '[account]\nregistrar = "sip:myhouse"\npassword = "s3cret-pw"\n[door]\nopen_code = "2580#"\n');
    const r = cli(['check-config', '-c', good]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('registrar = "sip:myhouse"');
    expect(r.stdout).toContain('password = "********"');
    expect(r.stdout).not.toContain('s3cret-pw');
    expect(r.stdout).not.toContain('2580');
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, '[log]\nlevel = "chatty"\n');
    const b = cli(['check-config', '-c', bad]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('[log] level: must be one of');
    rmSync(dir, { recursive: true, force: true });
  });

  it('--version and --help', () => {
    expect(cli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = cli(['--help']).stdout;
    for (const c of ['run', 'ctl', 'check-config', 'devices']) expect(help).toContain(c);
  });

  it('devices lists what it finds, H.264 encoders included', () => {
    const r = cli(['devices']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Cameras:\n[\s\S]*ALSA devices:\n[\s\S]*GPIO chips:\n[\s\S]*H\.264 encoders: .*x264enc/);
  });
});

