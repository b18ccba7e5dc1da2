/**
 * Issue 15, visitor pictures and the call log, with the built daemon (sim
 * GPIO) and SIPp as the home screen:
 * - two presses answered by the screen: `history` lists both, newest first,
 *   with who answered, the door opening and the pictures; each picture is a
 *   JPEG of the configured width×height (its SOF marker), 0640 in a 0750
 *   directory, and a `visitor-picture` event named it;
 * - a power cut: the daemon SIGKILLed in the middle of a burst of calls, a
 *   writer SIGKILLed in the middle of appending, and a torn last line by
 *   hand; the restarted daemon reads the log, skips the torn line (and
 *   says so), and appends after it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.js';
import { converse, tempDir, type RunningDaemon } from '../../support/daemon.js';
import { drainEvents } from '../../support/events.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { freePort } from '../../support/ports.js';
import { expectScenarioEnded, hasSipp, startSipp, type RunningSipp } from '../../support/sipp.js';
import { startDaemonCleanedBy } from '../../support/watched-daemon.js';
import { until } from '../../support/wait.js';

const WIDTH = 320;
const HEIGHT = 240;
const STORE = fileURLToPath(new URL('../../../dist/door/history/call-log-store.js', import.meta.url));

/** The blocks of a `history` reply, as `Key: Value` maps, after checking its `Size:`. */
function historyBlocks(reply: string): Array<Record<string, string>> {
  const m = /^Status: Ok\n\nSize: (\d+)\n\n([\s\S]*)$/.exec(reply);
  if (!m) throw new Error(`not a history reply: ${JSON.stringify(reply)}`);
  const blocks = m[2]!
    .split('\n\n')
    .filter((b) => b !== '')
    .map((b) => Object.fromEntries(b.split('\n').map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)])));
  expect(blocks).toHaveLength(Number(m[1]));
  return blocks;
}

/** Width and height from a baseline/progressive JPEG's SOF segment; undefined when it is not a whole JPEG. */
function jpegSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.readUInt16BE(0) !== 0xffd8 || data.readUInt16BE(data.length - 2) !== 0xffd9) return undefined;
  for (let off = 2; off + 9 < data.length; ) {
    if (data[off] !== 0xff) return undefined;
    const marker = data[off + 1]!;
    const len = data.readUInt16BE(off + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { height: data.readUInt16BE(off + 5), width: data.readUInt16BE(off + 7) };
    off += 2 + len;
  }
  return undefined;
}

describe.skipIf(!hasSipp)('visitor pictures and the call log', () => {
  const cleanups = useCleanups();

  async function door(screenPort: number, dir = tempDir(), level = 'info'): Promise<RunningDaemon> {
    const rtp = await freeRtpRange(8);
    return startDaemonCleanedBy(
      cleanups,
      `[call]\ntargets = ["sip:screen@127.0.0.1:${screenPort}"]\nring_timeout = 20\n` +
        `[media]\nrtp_ports = "${rtp}"\nwidth = ${WIDTH}\nheight = ${HEIGHT}\n` +
        `[gpio]\nbackend = "sim"\nrelay_pulse_ms = 100\n[log]\nlevel = "${level}"\n`,
      { dir, env: { STATE_DIRECTORY: join(dir, 'state') } },
    );
  }

  function screen(name: string, port: number, keys: Record<string, number>, calls: number): RunningSipp {
    const s = startSipp(name, port, keys, { calls, lifetimeMs: 60_000 });
    cleanups.push(() => s.kill());
    return s;
  }

  const history = async (d: RunningDaemon, n = '') => historyBlocks(await converse(d.socket, `history ${n}\n`));

  it('two presses: history lists both with who answered, the opening and pictures that decode as JPEG of the configured size', async () => {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const screenPort = await freePort();
    const s = screen('screen-hangs-up', screenPort, { videoport: videoPort!, audioport: audioPort! }, 2);
    const d = await door(screenPort, tempDir(), 'trace');
    expect(await converse(d.socket, 'history\n')).toBe('Status: Ok\n\nSize: 0\n\n');

    expect(await converse(d.socket, 'press\n')).toBe('Status: Ok\n\n');
    await until('call 1 in the log', async () => (await history(d)).length === 1, 20_000);
    expect(await converse(d.socket, 'press\n')).toBe('Status: Ok\n\n');
    await until('call 2 answered', async () => (await converse(d.socket, 'call-status\n')).includes('LinphoneCallStreamsRunning'));
    expect(await converse(d.socket, 'open-door\n')).toBe('Status: Ok\n\n');
    await until('call 2 in the log', async () => (await history(d)).length === 2, 20_000);
    await expectScenarioEnded(s);
    // The press → INVITE path never waits for the picture: each INVITE is on the wire before its picture is
    // asked for (the trace log writes a message's line breaks as \n).
    const out = d.output();
    const invites = [...out.matchAll(/sent to udp:\S+:\\nINVITE sip:screen@/g)].map((m) => m.index);
    const shots = [...out.matchAll(/call \d+: taking a visitor picture/g)].map((m) => m.index);
    expect(invites).toHaveLength(2);
    expect(shots).toHaveLength(2);
    expect(invites[0]).toBeLessThan(shots[0]!);
    expect(invites[1]).toBeLessThan(shots[1]!);

    const calls = await history(d);
    const answerer = `sip:screen@127.0.0.1:${screenPort}`;
    expect(calls.map((c) => c.Id)).toEqual(['2', '1']);
    for (const c of calls) {
      expect(c).toMatchObject({ Button: 'button', Plan: 'default', Targets: answerer, 'Answered-by': answerer, End: 'hung up by peer' });
      expect(Number(c.Duration)).toBeGreaterThanOrEqual(3); // the screen talks 4 s
      expect(Date.parse(c.Time!)).not.toBeNaN();
      expect(c.Pictures).toMatch(new RegExp(`^visitor-${c.Id}-\\d{8}-\\d{6}-\\d{3}\\.jpg$`));
    }
    expect(calls[0]!.Door).toMatch(/^door control by control at \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(calls[1]!.Door).toBe('no');
    expect((await history(d, '1')).map((c) => c.Id)).toEqual(['2']);
    expect(await converse(d.socket, 'history 0\n')).toMatch(/^Status: Error\nReason: Incorrect parameter/);

    const pictureDir = join(d.dir, 'state', 'pictures');
    expect(statSync(pictureDir).mode & 0o777).toBe(0o750);
    expect(statSync(join(d.dir, 'state', 'calls.jsonl')).mode & 0o777).toBe(0o640);
    for (const c of calls) {
      const file = join(pictureDir, c.Pictures!);
      expect(statSync(file).mode & 0o777).toBe(0o640);
      expect(jpegSize(readFileSync(file))).toEqual({ width: WIDTH, height: HEIGHT });
    }
    const pictureEvents = (await drainEvents(d)).filter((e) => e.type === 'visitor-picture');
    expect(pictureEvents.map((e) => e.fields)).toEqual(
      [...calls].reverse().map((c) => ({ Id: c.Id, Button: 'button', Path: join(pictureDir, c.Pictures!) })),
    );
  });

  it('a power cut (SIGKILL) during a burst of calls, a writer killed mid-append and a torn last line: the restarted door reads the log', async () => {
    const dir = tempDir();
    const screenPort = await freePort();
    const s = screen('screen-busy', screenPort, {}, 200);
    const d = await door(screenPort, dir);
    const log = join(dir, 'state', 'calls.jsonl');

    // A burst of calls the busy screen refuses at once: each ends, and is written, within milliseconds.
    let stop = false;
    const burst = (async () => {
      while (!stop) await converse(d.socket, 'ring\n').catch(() => undefined);
    })();
    await until('calls being logged', () => existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 5, 20_000);
    d.proc.kill('SIGKILL');
    stop = true;
    await burst;
    await d.stop();
    s.kill();
    const afterKill = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').length;

    // A second writer appending as fast as it can, SIGKILLed while it does.
    const writer = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { CallLogStore } = await import(${JSON.stringify(STORE)});
         const log = { error() {}, warn() {}, info() {}, debug() {}, trace() {}, child() { return log; } };
         const s = new CallLogStore({ file: ${JSON.stringify(log)}, maxEntries: 100000, maxBytes: 16777216, log });
         await s.load();
         for (let id = 1000; ; id++) {
           await s.append({ id, time: new Date().toISOString(), button: 'button', plan: 'default', targets: ['sip:x@y'], answered_by: null,
             ring_ms: 1, talk_ms: 0, end: 'writer', door: [], pictures: [] });
           if (id === 1010) process.stdout.write('appending\\n');
         }`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => writer.kill('SIGKILL'));
    await new Promise<void>((resolve) => writer.stdout.once('data', () => resolve()));
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));
    // What a power cut leaves that SIGKILL cannot (a write() is never half done by a killed process): half a line.
    const torn = '{"id":99999,"time":"2026-12-03T12:00:00.000Z","button":"butt';
    appendFileSync(log, torn);
    const written = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
    expect(written.length).toBeGreaterThan(afterKill + 10);

    const screen2 = await freePort();
    const s2 = screen('screen-busy', screen2, {}, 1);
    const again = await door(screen2, dir);
    expect(again.output()).toMatch(/call log .*calls\.jsonl: skipped 1 line\(s\) that are not whole records/);
    const calls = await history(again, '100');
    expect(calls.length).toBe(Math.min(100, written.length - 1));
    expect(calls[0]!.End).toBe('writer');
    expect(calls.some((c) => c.Id === '99999')).toBe(false);
    // The log goes on after the torn line, which is gone from the file.
    expect(await converse(again.socket, 'ring\n')).toMatch(/^Status: Ok\n\nId: 1\n\n$/);
    await until('the new call in the log', async () => (await history(again, '1'))[0]!.End === '486 Busy Here', 20_000);
    await expectScenarioEnded(s2);
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    expect(readdirSync(join(dir, 'state')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
