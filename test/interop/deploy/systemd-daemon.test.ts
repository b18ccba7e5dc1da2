/**
 * The built daemon as systemd runs it: a control socket passed as fd 3
 * (LISTEN_FDS), READY=1 and watchdog pings on NOTIFY_SOCKET, STOPPING=1 and
 * exit 0 on SIGTERM. Needs `npm run build` first (the test command does it).
 *
 * LISTEN_PID must be the daemon's own PID, unknown before it is spawned, so
 * a small python3 launcher does what systemd does: binds the socket, puts
 * it on fd 3, sets LISTEN_FDS/LISTEN_PID/WATCHDOG_PID to its own PID and
 * execs node, which keeps that PID. (A socket made in this Node process
 * could not be handed over cleanly: closing our copy would unlink its path.)
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, converse, tempDir } from '../../support/daemon.js';
import { fields, hasPython3, hasSystemdNotify, listenNotify, type NotifyListener } from '../../support/notify-listener.js';

const LAUNCHER = String.raw`
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
    s.close()
else:
    os.set_inheritable(3, True)
pid = str(os.getpid())
os.environ.update(LISTEN_FDS="1", LISTEN_PID=pid, WATCHDOG_PID=pid)
os.execv(sys.argv[2], sys.argv[2:])
`;

const canRun = hasPython3 && hasSystemdNotify && existsSync(CLI);
const why = !existsSync(CLI)
  ? 'dist/cli.js missing: run npm run build'
  : !hasSystemdNotify
    ? 'systemd-notify missing (Debian package systemd; scripts/setup installs it)'
    : 'python3 missing (scripts/setup installs it)';

describe.skipIf(!canRun)(`daemon under a systemd-like start${canRun ? '' : ` (skipped: ${why})`}`, () => {
  let listener: NotifyListener | undefined;
  let dir: string | undefined;
  afterEach(() => {
    listener?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    listener = dir = undefined;
  });


  /** Starts the daemon the way systemd does; `activated` is the passed socket's path. */
  async function start() {
    dir = tempDir('doorstation-systemd-');
    const activated = join(dir, 'activated.sock');
    // The path the daemon would bind itself: it must not, since systemd passed one.
    const ownPath = join(dir, 'own.sock');
    const config = join(dir, 'doorstation.toml');
    writeFileSync(config, `[control]\nsocket = "${ownPath}"\n`);
    listener = await listenNotify();
    const proc = spawn('python3', ['-c', LAUNCHER, activated, process.execPath, CLI, 'run', '-c', config], {
      cwd: dir,
      env: { ...process.env, JOURNAL_STREAM: '', NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: '1000000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const killer = setTimeout(() => proc.kill('SIGKILL'), 45_000);
    stopProc = () => {
      clearTimeout(killer);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    };
    return { proc, exited, activated, ownPath, listener, output: () => out };
  }
  let stopProc: (() => void) | undefined;
  afterEach(() => {
    stopProc?.();
    stopProc = undefined;
  });

  it('uses the passed socket, sends READY=1 and watchdog pings, answers version, exits 0 on SIGTERM', async () => {
    const d = await start();
    const ready = await d.listener.waitFor((m) => fields(m).get('READY') === '1', 15_000).catch((e: Error) => {
      throw new Error(`${e.message}\ndaemon output:\n${d.output()}`);
    });
    // python exec'd node, so the PID systemd would see is the one we spawned.
    expect(fields(ready).get('MAINPID')).toBe(String(d.proc.pid));
    expect(d.output()).toMatch(/control socket passed by systemd \(fd 3\)/);
    expect(existsSync(d.ownPath)).toBe(false);

    const reply = await converse(d.activated, 'version\n', { until: (t) => t.endsWith('\n\n') });
    expect(reply).toMatch(/^Status: Ok\n\nVersion: \d+\.\d+\.\d+/);

    // WATCHDOG_USEC of 1 s: a ping every 500 ms.
    await d.listener.waitFor((m) => fields(m).get('WATCHDOG') === '1', 5_000, 2);

    d.proc.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    await d.listener.waitFor((m) => fields(m).get('STOPPING') === '1', 5_000);
    const order = d.listener.messages.map(fields).filter((f) => f.has('READY') || f.has('STOPPING'));
    expect(order.map((f) => (f.has('READY') ? 'READY' : 'STOPPING'))).toEqual(['READY', 'STOPPING']);
  });

  it('answers a command sent before it was up, as while systemd restarts it', async () => {
    const d = await start();
    // The launcher binds at once and node takes a while longer to start, so
    // the command usually waits in the backlog (not asserted: timing).
    const deadline = Date.now() + 10_000;
    while (!existsSync(d.activated) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // The file appears at bind(), a moment before the launcher's listen(): retry only that refusal.
    let early: string | undefined;
    while (early === undefined) {
      try {
        early = await converse(d.activated, 'version\n', { until: (t) => t.endsWith('\n\n'), quietMs: 15_000 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    expect(early).toMatch(/^Status: Ok\n\nVersion: /);
    d.proc.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });
});
