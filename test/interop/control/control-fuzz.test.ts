/**
 * The running daemon's control socket under junk: random bytes, NUL
 * bytes, lines at and past the 4096-byte limit, partial lines dribbled in,
 * and every command (as `help` lists them, so new ones are covered) with
 * random and absurd arguments. Every byte the daemon sends is a
 * well-formed linphone-daemon reply (or a pushed event), one per command,
 * no command ever hits "Internal error", the daemon never exits, and
 * `help` works afterwards. Seeded: a failure prints seed and input.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { frame, session } from '../../support/control-stream.js';
import { int, pick, prng, report, show, type Rng } from '../../support/fuzz.js';

const SEED = 4096;

describe('control socket fuzz', () => {
  let d: RunningDaemon;
  let commands: string[];
  beforeAll(async () => {
    // Calls go to the discard port on loopback (no DNS, no screen); a small cheap camera.
    d = await startDaemon(
      [
        '[call]',
        'targets = ["sip:nobody@127.0.0.1:9"]',
        'ring_timeout = 2',
        '[media]',
        'width = 160',
        'height = 120',
        'framerate = 5',
        'video_bitrate = 64',
        'audio_source = "none"',
        'echo_cancel = false',
        '',
      ].join('\n'),
      { timeoutMs: 170_000 },
    );
    const help = await converse(d.socket, 'help\n');
    commands = help.split('\n').slice(2).map((l) => l.split(' ')[0]!).filter((c) => /^[a-z-]+$/.test(c));
  }, 60_000);
  afterAll(async () => {
    await d.stop();
    d.cleanup();
  });

  /** Every reply well formed, none an internal error, and the count right when known. */
  function check(what: string, input: Buffer | string, out: string, expectedReplies?: number): ReturnType<typeof frame> {
    const f = frame(out);
    const internal = f.replies.filter((r) => r.includes('Reason: Internal error'));
    if (f.malformed.length > 0 || internal.length > 0 || (expectedReplies !== undefined && f.replies.length !== expectedReplies)) {
      throw new Error(
        `${what} (seed ${SEED}): ${f.replies.length} replies${expectedReplies !== undefined ? ` for ${expectedReplies} commands` : ''}, ` +
          `malformed: ${JSON.stringify(f.malformed.slice(0, 3))}, internal errors: ${JSON.stringify(internal.slice(0, 3))}\ninput: ${show(input, 4000)}\noutput: ${show(out, 4000)}`,
      );
    }
    expect(d.proc.exitCode, d.output().slice(-3000)).toBeNull();
    return f;
  }

  it('random bytes (NULs, CRs, invalid UTF-8) on several connections: only well-formed replies', async () => {
    const rnd = prng(SEED);
    const started = Date.now();
    let bytes = 0;
    let replies = 0;
    for (let c = 0; c < 6; c++) {
      const junk = Buffer.from(Array.from({ length: 8000 + int(rnd, 8000) }, () => (rnd() < 0.04 ? 0x0a : rnd() < 0.05 ? 0 : int(rnd, 256))));
      bytes += junk.length;
      const input = Buffer.concat([junk, Buffer.from('\nversion\n')]);
      const f = check(`random bytes, connection ${c}`, input, await session(d.socket, [input]));
      expect(f.replies.at(-1)).toMatch(/^Status: Ok\n\nVersion: /);
      replies += f.replies.length;
    }
    report('control socket, random bytes', SEED, replies, Date.now() - started, `${bytes} bytes on 6 connections, ${replies} replies all well formed, daemon up`);
  });

  it('lines at, just past and far past the limit, and partial lines dribbled in', async () => {
    const started = Date.now();
    const cases: Array<[string, Buffer[], number]> = [
      ['4096 bytes', [Buffer.from('x'.repeat(4096) + '\n')], 1],
      ['4097 bytes', [Buffer.from('x'.repeat(4097) + '\n')], 1],
      ['1 MB line then version', [Buffer.from('y'.repeat(1 << 20) + '\nversion\n')], 2],
      ['a command one byte per write', [...Buffer.from('version\n')].map((b) => Buffer.from([b])), 1],
      ['a line split across writes with CRLF split too', [Buffer.from('vers'), Buffer.from('ion\r'), Buffer.from('\nhelp v'), Buffer.from('ersion\r\n')], 2],
      ['no newline at all, then half-close', [Buffer.from('version')], 1],
      ['only newlines and CRs (blank lines get no reply)', [Buffer.from('\n\r\n\n\r\r\n')], 0],
      ['NUL inside a command', [Buffer.from('vers\0ion\nversion\0\n\0\n')], 3],
      ['a command name of 4000 bytes', [Buffer.from('v'.repeat(4000) + ' x\n')], 1],
      ['many commands in one write', [Buffer.from('version\n'.repeat(500))], 500],
    ];
    for (const [name, chunks, n] of cases) {
      const out = await session(d.socket, chunks, { gapMs: chunks.length > 1 ? 30 : 0 });
      check(`long/partial lines: ${name}`, Buffer.concat(chunks), out, n);
    }
    report('control socket, long and partial lines', SEED, cases.length, Date.now() - started, 'one well-formed reply per line, limit errors name the size');
  });

  /** Arguments a user or a script could plausibly (or implausibly) send. */
  function junkArgs(rnd: Rng): string {
    const uris = [
      'sip:a@127.0.0.1:9',
      'sips:x@[::1]:9;transport=tls',
      'sip:@',
      'sip:',
      'tel:+123',
      'sip:a@b@c',
      'sip:%00@127.0.0.1',
      'sip:a@127.0.0.1:99999',
      'sip:a@127.0.0.1:0',
      'sip:a@x.invalid',
      'a@127.0.0.1:9',
      'sip:a@127.0.0.1;transport=sctp',
      '<sip:a@127.0.0.1>',
      '"Name" <sip:a@127.0.0.1>',
      'sip:a@127.0.0.1?Subject=x',
      `sip:${'a'.repeat(3000)}@127.0.0.1`,
    ];
    const words = [
      '',
      '0',
      '-1',
      '1',
      '99999999999999999999',
      '1e309',
      'NaN',
      '0x10',
      '1 2 3',
      'ALL',
      'all',
      'on',
      'off',
      'ON',
      'on off',
      '--early-media',
      '--early-media --early-media',
      '#',
      '*',
      'D',
      'd',
      'E',
      '12',
      '\u00e9',
      '\u{1f6aa}',
      '\ud800',
      '\0',
      'a\0b',
      '\t',
      '\r',
      '%s%s%n',
      '${HOME}',
      '$(reboot)',
      '; rm -rf /',
      '../../../../etc/passwd',
      'x'.repeat(4000),
    ];
    const parts: string[] = [];
    for (let k = 0; k < 1 + int(rnd, 3); k++) parts.push(rnd() < 0.3 ? pick(rnd, uris) : rnd() < 0.8 ? pick(rnd, words) : String.fromCharCode(...Array.from({ length: int(rnd, 12) }, () => int(rnd, 0x3000))));
    return parts.join(rnd() < 0.9 ? ' ' : '\t');
  }

  it('every command with random and absurd arguments', async () => {
    expect(commands).toEqual(expect.arrayContaining(['call', 'terminate', 'dtmf', 'snapshot', 'events', 'pop-event', 'help']));
    const rnd = prng(SEED + 1);
    // snapshot and quit are exercised on their own below: one waits for a camera frame, the other ends the connection.
    const bulk = commands.filter((c) => c !== 'snapshot' && c !== 'quit');
    const started = Date.now();
    let total = 0;
    const tally = { ok: 0, error: 0, events: 0 };
    for (let c = 0; c < 8; c++) {
      const lines: string[] = [];
      for (let i = 0; i < 150; i++) {
        const name = rnd() < 0.95 ? pick(rnd, bulk) : pick(rnd, ['', 'Call', 'CALL', 'call-', 'help\u0000', '\u00a0call', '-', '--help']);
        lines.push(`${name} ${junkArgs(rnd)}`.replace(/\n/g, ''));
      }
      // Only lines with something in them are answered (blank ones are skipped, as SPEC says).
      const expected = lines.filter((l) => l.replace(/\r$/, '').trim() !== '').length;
      const input = lines.map((l) => `${l}\n`).join('');
      const out = await session(d.socket, [Buffer.from(input)], { quietMs: 4000 });
      const f = check(`commands with junk, connection ${c}`, input, out, expected);
      tally.ok += f.replies.filter((r) => r.startsWith('Status: Ok')).length;
      tally.error += f.replies.length - f.replies.filter((r) => r.startsWith('Status: Ok')).length;
      tally.events += f.events.length;
      total += lines.length;
    }
    // Calls the junk may have started end by themselves (ring_timeout 2 s); leave none ringing.
    await converse(d.socket, 'terminate\n');
    report('control socket, every command x junk arguments', SEED + 1, total, Date.now() - started, `${tally.ok} Ok, ${tally.error} Error, ${tally.events} pushed events, all well formed, no internal error`);
  });

  it('snapshot to bad places: /proc, a directory, a missing directory, the socket itself, NUL in the path', async () => {
    const dir = join(d.dir, 'a-directory');
    mkdirSync(dir);
    // No name is not among them: `snapshot` alone writes a timestamped file into the picture directory.
    const targets = ['/proc/x', '/proc/self/status', dir, '/nonexistent-dir/x.jpg', d.socket, '/tmp/a\0b.jpg', 'a\0b.jpg', '..', '/dev/full', 'x'.repeat(200), `${'/x'.repeat(2100)}`];
    const started = Date.now();
    const input = targets.map((t) => `snapshot ${t}\n`).join('');
    const f = check('snapshot to bad paths', input, await session(d.socket, [Buffer.from(input)], { quietMs: 8000 }), targets.length);
    expect(f.replies.every((r) => r.startsWith('Status: Error\nReason: ')), f.replies.join('')).toBe(true);
    report('control socket, snapshot to bad paths', SEED, targets.length, Date.now() - started, f.replies.map((r) => r.split('\n')[1]!.slice(8, 80)).join(' | '));
  });

  it('events pushed between replies during a call started and ended with junk around it stay well framed', async () => {
    const lines = ['events on', 'events on', 'call sip:a@127.0.0.1:9 --early-media', 'call-status', 'call-stats 99999999999999999999', 'dtmf 1', 'dtmf \u{1f6aa}', 'call-stats', 'terminate', 'terminate', 'pop-event', 'events maybe', 'events off'];
    const input = lines.map((l) => `${l}\n`).join('');
    const out = await session(d.socket, [Buffer.from(lines.slice(0, 3).join('\n') + '\n'), Buffer.from(lines.slice(3).join('\n') + '\n')], { gapMs: 500, halfClose: false, quietMs: 1500 });
    const f = check('events with a call', input, out, lines.length);
    expect(f.events.some((e) => e.includes('LinphoneCallOutgoingInit'))).toBe(true);
    report('control socket, pushed events around junk', SEED, lines.length, 0, `${f.replies.length} replies and ${f.events.length} events, all well framed`);
  });

  it('quit in the middle of junk closes only that connection; afterwards help, version and the daemon are fine', async () => {
    const out = await session(d.socket, [Buffer.from('version\nquit\nversion\nhelp\n')]);
    expect(frame(out).replies).toHaveLength(2);
    const help = await converse(d.socket, 'help\n');
    for (const c of ['call', 'terminate', 'dtmf', 'snapshot', 'events']) expect(help).toContain(`\n${c}`);
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok\n\nVersion: /);
    expect(d.proc.exitCode).toBeNull();
    expect(d.output()).not.toMatch(/Internal error|TypeError|RangeError|uncaught/i);
  });
});
