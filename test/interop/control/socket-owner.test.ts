/**
 * Issue 12 row 16: a local user who binds the control socket path first.
 * The daemon refuses to start and names the owner (it neither shares nor
 * replaces the path); `doorstation ctl` refuses to send a command to a
 * socket owned by anyone but root, the doorstation user or itself. The
 * "other user" is `nobody`, so this runs as root (skipped otherwise).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBounded, type BoundedProcess } from '../../support/bounded-process.js';
import { CLI, tempDir } from '../../support/daemon.js';

const NOBODY = 65534;
const running: BoundedProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.kill();
});

/** A socket at `path` held by user nobody that answers Ok to anything and records what it got. */
async function squatter(dir: string, path: string): Promise<() => string> {
  const log = join(dir, 'squatter.log');
  writeFileSync(log, '');
  chmodSync(log, 0o666);
  const script = `require('net').createServer((s) => s.on('data', (d) => { require('fs').appendFileSync(${JSON.stringify(log)}, d); s.end('Status: Ok\\n\\n'); })).listen(${JSON.stringify(path)}, () => console.log('LISTENING'));`;
  const p = spawnBounded(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }, 60_000);
  running.push(p);
  await new Promise<void>((resolve, reject) => {
    p.proc.stdout!.on('data', (d: Buffer) => d.toString().includes('LISTENING') && resolve());
    p.proc.stderr!.on('data', (d: Buffer) => reject(new Error(d.toString())));
  });
  return () => readFileSync(log, 'utf8');
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string }> {
  const p = spawnBounded(process.execPath, [CLI, ...args], { env: { ...process.env, JOURNAL_STREAM: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }, 30_000);
  running.push(p);
  let out = '';
  p.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return p.exited.then((code) => ({ code, out }));
}

describe.skipIf(process.getuid?.() !== 0)('a control socket path another user holds', () => {
  it('the daemon refuses to start and names the owner; ctl refuses to talk to it', async () => {
    const dir = tempDir('doorstation-squat-');
    chmodSync(dir, 0o1777); // as /tmp
    const path = join(dir, 'doorbell');
    const received = await squatter(dir, path);

    const config = join(dir, 'doorstation.toml');
    writeFileSync(config, `[sip]\nlisten = ["udp:127.0.0.1:0"]\n[control]\nsocket = "${path}"\n`);
    const daemon = await run(['run', '-c', config]);
    expect(daemon.code).toBe(1);
    expect(daemon.out).toContain(`control socket path ${path} belongs to nobody (uid ${NOBODY})`);

    const ctl = await run(['ctl', '-s', path, 'open-door']);
    expect(ctl.code).toBe(2);
    expect(ctl.out).toContain(`refusing ${path}: it belongs to nobody (uid ${NOBODY})`);
    expect(ctl.out).not.toContain('Status: Ok');
    expect(received()).toBe('');
  }, 60_000);
});
