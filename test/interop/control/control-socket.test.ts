/**
 * The control socket of a real daemon process, driven as users drive
 * linphone-daemon: socat with `echo`, several commands per connection,
 * junk, huge lines, many clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { CLI, converse, splitReplies, startDaemon, type RunningDaemon } from '../../support/daemon.js';

const hasSocat = spawnSync('socat', ['-V']).status === 0;

describe('control socket', () => {
  let d: RunningDaemon;
  beforeAll(async () => {
    d = await startDaemon('mode = "0600"\n');
  });
  afterAll(async () => {
    await d.stop();
    d.cleanup();
  });

  it('is created with the configured mode', () => {
    const st = statSync(d.socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it.skipIf(!hasSocat)('answers `echo version | socat - UNIX-CONNECT:...` (client half-closes at once)', () => {
    const out = execFileSync('sh', ['-c', `echo version | socat - UNIX-CONNECT:${d.socket}`], { encoding: 'utf8', timeout: 10_000 });
    expect(out).toMatch(/^Status: Ok\n\nVersion: \d+\.\d+\.\d+\n\n$/);
  });

  it('answers two commands sent in one write, in order', async () => {
    const replies = splitReplies(await converse(d.socket, 'version\nbogus\r\n'));
    expect(replies).toHaveLength(2);
    expect(replies[0]).toMatch(/^Status: Ok\n\nVersion: /);
    expect(replies[1]).toBe('Status: Error\nReason: Unknown command.\n\n');
  });

  it('runs a command with no newline when the client half-closes', async () => {
    expect(await converse(d.socket, 'version')).toMatch(/^Status: Ok\n\nVersion: /);
  });

  it('runs a command with no newline after a short pause on an open connection', async () => {
    const out = await converse(d.socket, 'version', { halfClose: false, until: (t) => t.endsWith('\n\n') });
    expect(out).toMatch(/^Status: Ok\n\nVersion: /);
  });

  it('answers a 200 kB line with one error naming the limit, then goes on', async () => {
    const replies = splitReplies(await converse(d.socket, 'x'.repeat(200_000) + '\nversion\n'));
    expect(replies).toEqual([
      expect.stringMatching(/^Status: Error\nReason: Line too long \(200000 bytes; the limit is 4096\)\.\n\n$/),
      expect.stringMatching(/^Status: Ok\n\nVersion: /),
    ]);
  });

  it('survives random bytes and still answers on the same connection', async () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    const junk = Buffer.from(Array.from({ length: 50_000 }, rand));
    const out = await converse(d.socket, Buffer.concat([junk, Buffer.from('\nversion\n')]));
    const replies = splitReplies(out);
    expect(replies.every((r) => /^Status: (Ok|Error)\n/.test(r))).toBe(true);
    expect(replies.at(-1)).toMatch(/^Status: Ok\n\nVersion: /);
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok/);
  });

  it('serves many clients at once (linphone-daemon resets all but one)', async () => {
    const outs = await Promise.all(Array.from({ length: 50 }, () => converse(d.socket, 'version\n')));
    expect(outs.every((o) => o.startsWith('Status: Ok\n\nVersion: '))).toBe(true);
  });

  it('quit closes only this connection; the daemon goes on', async () => {
    const out = await converse(d.socket, 'quit\nversion\n', { halfClose: false });
    expect(out).toBe('Status: Ok\n\n');
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok/);
    expect(d.proc.exitCode).toBeNull();
  });

  it('pops queued events with Size counting what is left', async () => {
    expect(await converse(d.socket, 'pop-event\n')).toBe('Status: Ok\n\nSize: 0\n\n');
  });

  it('help lists the commands and explains one', async () => {
    const list = await converse(d.socket, 'help\n');
    expect(list).toContain('\nversion\n');
    expect(list).toContain('pop-event');
    expect(await converse(d.socket, 'help events\n')).toMatch(/^Status: Ok\n\nevents on\|off\n\nPushes events/);
  });

  it('doorstation ctl prints the reply and exits 0 / 1 / 2', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'ctl', ...args], { encoding: 'utf8', timeout: 15_000 });
    const okRun = run(['-s', d.socket, 'version']);
    expect(okRun.status).toBe(0);
    expect(okRun.stdout).toMatch(/^Status: Ok\n\nVersion: /);
    const err = run(['-s', d.socket, 'no-such-command']);
    expect(err.status).toBe(1);
    expect(err.stdout).toBe('Status: Error\nReason: Unknown command.\n\n');
    const gone = run(['-s', d.socket + '.missing', 'version']);
    expect(gone.status).toBe(2);
    expect(gone.stderr).toMatch(/cannot reach .*: no such socket/);
  });

  it('a client that vanishes mid-reply does not hurt the daemon', async () => {
    await new Promise<void>((resolve) => {
      const s = connect(d.socket, () => {
        s.write('help\n'.repeat(200));
        s.destroy();
        resolve();
      });
    });
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok/);
  });
});
