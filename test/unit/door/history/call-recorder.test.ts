/**
 * The recorder: a press gives a visitor picture only after ring() has
 * returned, optionally a second one later, and one log record when the call
 * is released (who answered, ring and talk time, the end reason, door
 * openings during the call, the pictures); pictures of records the bounds
 * remove are deleted.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallState } from '../../../../src/door/call/call-state.js';
import type { CallStateChange } from '../../../../src/door/door-station.js';
import { CallRecorder, createCallRecorder, type OpenedInfo, type RingInfo, type VisitorPicture } from '../../../../src/door/history/call-recorder.js';
import { TypedEmitter } from '../../../../src/events/typed-emitter.js';
import { LogSink } from '../../../../src/log/logger.js';
import { FakeMediaEngine } from '../../../support/fake-media-engine.js';

class FakeDoor extends TypedEmitter<{ ring: [RingInfo]; 'call-state': [CallStateChange] }> {
  peers = new Map<number, string>();
  get(id: number) {
    return { peer: this.peers.get(id) };
  }
  fire<K extends 'ring' | 'call-state'>(event: K, ...args: K extends 'ring' ? [RingInfo] : [CallStateChange]): void {
    (this.emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }
}

class FakeOpener extends TypedEmitter<{ opened: [OpenedInfo] }> {
  open(o: OpenedInfo): void {
    this.emit('opened', o);
  }
}

describe('call recorder', () => {
  let dir: string;
  let now: number;
  let door: FakeDoor;
  let opener: FakeOpener;
  let media: FakeMediaEngine;
  let lines: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recorder-'));
    now = Date.UTC(2026, 11, 3, 12, 0, 0);
    door = new FakeDoor();
    opener = new FakeOpener();
    media = new FakeMediaEngine();
    lines = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  function recorder(config: { pictures?: boolean; second_picture_s?: number; max_entries?: number } = {}): CallRecorder {
    const sink = new LogSink({ level: 'debug', systemd: true, write: (l) => lines.push(l) });
    return createCallRecorder({
      config: { enabled: true, max_entries: config.max_entries ?? 1000, max_bytes: 1 << 20, pictures: config.pictures ?? true, second_picture_s: config.second_picture_s ?? 0 },
      stateDir: join(dir, 'state'),
      pictureDir: join(dir, 'state', 'pictures'),
      door,
      opener,
      media,
      log: sink.logger('history'),
      now: () => now,
    });
  }

  const ring = (id: number): RingInfo => ({ id, button: 'flat-1', plan: 'night', targets: ['sip:a@h', 'sip:b@h'], at: new Date(now) });
  const state = (id: number, s: CallStateChange['state'], reason?: string) => door.fire('call-state', { id, state: s, from: 'sip:door@h', ...(reason ? { reason } : {}) });
  const pictures = () => readdirSync(join(dir, 'state', 'pictures')).sort();

  it('a press: the picture only after the ring handler returned, then one record when the call is released', async () => {
    const r = recorder();
    const seen: VisitorPicture[] = [];
    r.on('picture', (p) => seen.push(p));
    await r.start();

    door.fire('ring', ring(1));
    expect(media.calls.filter((c) => c.op === 'snapshot')).toEqual([]); // nothing on the press path
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toEqual({ id: 1, button: 'flat-1', path: join(dir, 'state', 'pictures', pictures()[0]!) });
    expect(pictures()[0]).toMatch(/^visitor-1-20261203-120000-000\.jpg$/);
    expect(statSync(join(dir, 'state', 'pictures')).mode & 0o777).toBe(0o750);

    now += 4000;
    door.peers.set(1, 'sip:a@h');
    state(1, CallState.Connected);
    now += 500;
    opener.open({ by: 'sip:a@h', method: 'dtmf' });
    opener.open({ by: 'control', method: 'control', relay: 'gate' });
    now += 25_500;
    state(1, CallState.End, 'hung up by peer');
    state(1, CallState.Released);
    opener.open({ by: 'control', method: 'control' }); // after the call: not in its record
    await r.stop();

    expect(r.latest(10)).toEqual([
      {
        id: 1,
        time: '2026-12-03T12:00:00.000Z',
        button: 'flat-1',
        plan: 'night',
        targets: ['sip:a@h', 'sip:b@h'],
        answered_by: 'sip:a@h',
        ring_ms: 4000,
        talk_ms: 26_000,
        end: 'hung up by peer',
        door: [
          { time: '2026-12-03T12:00:04.500Z', relay: 'door', method: 'dtmf', by: 'sip:a@h' },
          { time: '2026-12-03T12:00:04.500Z', relay: 'gate', method: 'control', by: 'control' },
        ],
        pictures: [pictures()[0]],
      },
    ]);
  });

  it('nobody answered: no answerer, ring time to the end, the reason; a failed picture is logged and leaves no name', async () => {
    const r = recorder();
    await r.start();
    media.snapshot = () => Promise.reject(new Error('no camera frame within 3 s'));
    door.fire('ring', ring(2));
    now += 30_000;
    state(2, CallState.End, 'no answer within 30 s');
    state(2, CallState.Released);
    await r.stop();
    const [c] = r.latest(1);
    expect(c).toMatchObject({ id: 2, answered_by: null, ring_ms: 30_000, talk_ms: 0, end: 'no answer within 30 s', pictures: [] });
    expect(lines.join('')).toMatch(/call 2: no visitor picture: no camera frame within 3 s/);
  });

  it('second_picture_s: a second picture later, waited for even when the call ended before it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const r = recorder({ second_picture_s: 5 });
    await r.start();
    door.fire('ring', ring(3));
    await vi.waitFor(() => expect(media.calls.filter((c) => c.op === 'snapshot')).toHaveLength(1));
    state(3, CallState.Error, '486 Busy Here');
    state(3, CallState.Released);
    now += 5000;
    await vi.advanceTimersByTimeAsync(5000);
    await vi.waitFor(() => expect(r.latest(1)).toHaveLength(1));
    expect(r.latest(1)[0]!.pictures).toHaveLength(2);
    expect(r.latest(1)[0]!.end).toBe('486 Busy Here');
    await r.stop();
  });

  it('pictures: false takes none; stop writes a call still open', async () => {
    const r = recorder({ pictures: false });
    await r.start();
    door.fire('ring', ring(4));
    await r.stop();
    expect(media.calls.filter((c) => c.op === 'snapshot')).toEqual([]);
    expect(r.latest(1)[0]).toMatchObject({ id: 4, end: 'the daemon stopped', pictures: [] });
  });

  it('calls the bounds remove take their pictures with them', async () => {
    const r = recorder({ max_entries: 10 });
    await r.start();
    for (let id = 1; id <= 11; id++) {
      door.fire('ring', ring(id));
      await vi.waitFor(() => expect(pictures().filter((p) => p.startsWith(`visitor-${id}-`))).toHaveLength(1));
      state(id, CallState.End, 'terminated');
      state(id, CallState.Released);
      now += 1000;
    }
    await r.stop();
    expect(r.latest(100).map((c) => c.id)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect(pictures().map((p) => p.split('-')[1])).toEqual(['10', '11', '3', '4', '5', '6', '7', '8', '9']);
    expect(existsSync(join(dir, 'state', 'calls.jsonl'))).toBe(true);
  });

  it('a call the door did not start by a press (no ring event) is not recorded', async () => {
    const r = recorder();
    await r.start();
    state(9, CallState.End);
    state(9, CallState.Released);
    await r.stop();
    expect(r.latest(10)).toEqual([]);
    expect(existsSync(join(dir, 'state', 'calls.jsonl'))).toBe(false);
  });

  it('at start, visitor pictures no record names (a call cut by a power failure) are removed; other files stay', async () => {
    const first = recorder();
    await first.start();
    door.fire('ring', ring(1));
    await vi.waitFor(() => expect(pictures()).toHaveLength(1));
    state(1, CallState.End, 'terminated');
    state(1, CallState.Released);
    await first.stop();
    const kept = pictures()[0]!;
    const dirOf = join(dir, 'state', 'pictures');
    for (const n of ['visitor-5-20261203-110000-000.jpg', 'snapshot-20261203-110000-000.jpg', 'holiday.jpg']) writeFileSync(join(dirOf, n), 'x');
    mkdirSync(join(dirOf, 'visitor-6-20261203-110000-000.jpg')); // not a file: left alone
    const old = new Date(Date.now() - 60_000);
    for (const n of readdirSync(dirOf)) utimesSync(join(dirOf, n), old, old);

    const second = recorder();
    await second.start();
    expect(pictures()).toEqual(['holiday.jpg', 'snapshot-20261203-110000-000.jpg', kept, 'visitor-6-20261203-110000-000.jpg'].sort());
    expect(lines.join('')).toMatch(/removed 1 visitor picture\(s\) of calls not in the call log/);
    expect(statSync(join(dirOf, kept)).mode & 0o777).toBe(0o640);
    await second.stop();
  });
});
