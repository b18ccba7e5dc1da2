/**
 * The call log on disk: a torn last line (a power cut mid-write) and any
 * invalid line are skipped with a warning and the file is rewritten clean;
 * the bounds by count and by bytes remove the oldest first, by rewriting
 * the file (rename over), not at every append; files are 0640.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync, existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallLogStore } from '../../../../src/door/history/call-log-store.js';
import type { CallRecord } from '../../../../src/door/history/call-record.js';
import { LogSink } from '../../../../src/log/logger.js';

function record(id: number, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    time: new Date(Date.UTC(2026, 11, 3, 12, 0, id)).toISOString(),
    button: 'button',
    plan: 'default',
    targets: ['sip:screen@myhouse'],
    answered_by: id % 2 ? 'sip:screen@myhouse' : null,
    ring_ms: 4000,
    talk_ms: id % 2 ? 30_000 : 0,
    end: id % 2 ? 'hung up by peer' : 'no answer within 30 s',
    door: [],
    pictures: [`visitor-${id}-20261203-120000-000.jpg`],
    ...extra,
  };
}

describe('call log store', () => {
  let dir: string;
  let file: string;
  let lines: string[];
  let removed: CallRecord[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'calllog-'));
    file = join(dir, 'state', 'calls.jsonl');
    lines = [];
    removed = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function store(maxEntries = 1000, maxBytes = 1 << 20): CallLogStore {
    const sink = new LogSink({ level: 'debug', systemd: true, write: (l) => lines.push(l) });
    return new CallLogStore({ file, maxEntries, maxBytes, log: sink.logger('history'), onRemoved: (r) => void removed.push(...r) });
  }

  const fileLines = () => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

  it('appends one line per call, keeps them across a restart, lists them newest first; file 0640, directory 0750', async () => {
    const s = store();
    await s.load();
    for (const id of [1, 2, 3]) await s.append(record(id));
    expect(fileLines()).toHaveLength(3);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o750);

    const again = store();
    await again.load();
    expect(again.latest(10).map((r) => r.id)).toEqual([3, 2, 1]);
    expect(again.latest(2).map((r) => r.id)).toEqual([3, 2]);
    expect(again.latest(1)[0]).toEqual(record(3));
    expect(lines.join('')).not.toMatch(/skipped/);
  });

  it('skips a torn last line with a warning and rewrites the file, so the next record is not glued onto it', async () => {
    const s = store();
    await s.load();
    await s.append(record(1));
    await s.append(record(2));
    const whole = JSON.stringify(record(3));
    appendFileSync(file, whole.slice(0, whole.length / 2)); // the power cut: half a line, no newline

    const after = store();
    await after.load();
    expect(after.latest(10).map((r) => r.id)).toEqual([2, 1]);
    expect(lines.join('')).toMatch(/skipped 1 line\(s\) that are not whole records/);
    await after.append(record(4));
    expect(fileLines().map((l) => (JSON.parse(l) as CallRecord).id)).toEqual([1, 2, 4]);
  });

  it('skips invalid lines anywhere: not JSON, zero bytes, wrong shape, a picture name with a path', async () => {
    mkdirState();
    writeFileSync(
      file,
      [
        JSON.stringify(record(1)),
        'not json',
        '\0\0\0\0\0\0',
        JSON.stringify({ ...record(2), ring_ms: 'long' }),
        JSON.stringify(record(3, { pictures: ['../../etc/passwd'] })),
        '',
        JSON.stringify(record(4)),
        '',
      ].join('\n'),
    );
    const s = store();
    await s.load();
    expect(s.latest(10).map((r) => r.id)).toEqual([4, 1]);
    expect(lines.join('')).toMatch(/skipped 5 line/);
    expect(fileLines()).toHaveLength(2);
  });

  it('bounded by count: past max_entries the oldest go (down to 90%), in one rewrite, and are handed on for their pictures', async () => {
    const s = store(10);
    await s.load();
    for (let id = 1; id <= 10; id++) await s.append(record(id));
    expect(fileLines()).toHaveLength(10);
    expect(removed).toEqual([]);
    await s.append(record(11)); // one over: down to 9 with the new one
    expect(s.latest(100).map((r) => r.id)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect(removed.map((r) => r.id)).toEqual([1, 2]);
    expect(fileLines()).toHaveLength(9);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    // Not compacted again at the next append: there is room.
    const before = statSync(file).ino;
    await s.append(record(12));
    expect(statSync(file).ino).toBe(before);
    expect(fileLines()).toHaveLength(10);
  });

  it('bounded by bytes: the file never passes max_bytes, oldest removed first', async () => {
    const one = Buffer.byteLength(JSON.stringify(record(10)) + '\n');
    const maxBytes = one * 5 + 10;
    const s = store(1000, maxBytes);
    await s.load();
    for (let id = 10; id < 40; id++) {
      await s.append(record(id));
      expect(statSync(file).size).toBeLessThanOrEqual(maxBytes);
    }
    const kept = s.latest(100).map((r) => r.id);
    expect(kept[0]).toBe(39);
    expect(kept).toEqual([...kept].sort((a, b) => b - a));
    expect(new Set(removed.map((r) => r.id)).size + kept.length).toBe(30);
    expect(Math.min(...kept)).toBeGreaterThan(Math.max(...removed.map((r) => r.id)));
  });

  it('a log over the bounds (smaller bounds configured since) is cut at load', async () => {
    const big = store();
    await big.load();
    for (let id = 1; id <= 20; id++) await big.append(record(id));
    const small = store(10);
    await small.load();
    expect(small.latest(100).map((r) => r.id)).toEqual([20, 19, 18, 17, 16, 15, 14, 13, 12, 11]);
    expect(fileLines()).toHaveLength(10);
    expect(removed.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a link planted at the log is not followed: logged, the door goes on, the link target untouched', async () => {
    mkdirState();
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'precious\n');
    symlinkSync(target, file);
    const s = store();
    await s.load();
    await s.append(record(1));
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(lines.join('')).toMatch(/not read/);
  });

  function mkdirState(): void {
    const st = join(dir, 'state');
    if (!existsSync(st)) mkdirSync(st);
  }
});
