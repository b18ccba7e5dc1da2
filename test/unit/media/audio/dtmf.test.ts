import { describe, expect, it } from 'vitest';
import { isDtmfDigit } from '../../../../src/dtmf.js';
import { DtmfDeduplicator, buildTelephoneEvent, parseTelephoneEvent } from '../../../../src/media/audio/dtmf-event.js';
import { dtmfPacketPlan } from '../../../../src/media/audio/dtmf-sender.js';

describe('RFC 4733 telephone-event', () => {
  it('parses and builds the payload', () => {
    const p = buildTelephoneEvent({ event: 11, end: true, volume: 10, duration: 800 });
    expect(p).toEqual(Buffer.from([11, 0x8a, 0x03, 0x20]));
    expect(parseTelephoneEvent(p)).toEqual({ event: 11, end: true, volume: 10, duration: 800 });
    expect(parseTelephoneEvent(Buffer.alloc(3))).toBeUndefined();
  });

  it('knows the digits', () => {
    expect([...'0123456789*#ABCDabcd'].every(isDtmfDigit)).toBe(true);
    expect(isDtmfDigit('E')).toBe(false);
    expect(isDtmfDigit('12')).toBe(false);
  });

  it('reports each press once: updates and the three end packets share its timestamp', () => {
    const d = new DtmfDeduplicator();
    const got: string[] = [];
    const press = (event: number, ts: number) => {
      for (const p of [
        { end: false, duration: 160 },
        { end: false, duration: 320 },
        { end: true, duration: 800 },
        { end: true, duration: 800 },
        { end: true, duration: 800 },
      ]) {
        const digit = d.accept(7, ts, buildTelephoneEvent({ event, volume: 10, ...p }));
        if (digit) got.push(digit);
      }
    };
    press(1, 1000);
    press(1, 2000); // the same key again is a new press
    press(11, 3000);
    press(15, 4000);
    expect(got).toEqual(['1', '1', '#', 'D']);
  });

  it('reports a press whose start packets were lost, from its end packet', () => {
    const d = new DtmfDeduplicator();
    expect(d.accept(1, 500, buildTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 }))).toBe('5');
    expect(d.accept(1, 500, buildTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 }))).toBeUndefined();
  });

  it('a captured press replayed after 32 other presses is still not a new digit (issue 12 row 19)', () => {
    const d = new DtmfDeduplicator();
    const code = [1, 2, 3, 4].map((event, i) => ({ event, ts: 10_000 + i * 1000 }));
    const got: string[] = [];
    const send = (event: number, ts: number) => {
      const digit = d.accept(42, ts, buildTelephoneEvent({ event, end: true, volume: 10, duration: 800 }));
      if (digit) got.push(digit);
    };
    for (const p of code) send(p.event, p.ts);
    // The old window held 32 presses: 40 lone '#' pushed the code out of it.
    for (let i = 0; i < 40; i++) send(11, 100_000 + i * 1000);
    for (const p of code) send(p.event, p.ts);
    expect(got.join('')).toBe('1234' + '#'.repeat(40));
  });

  it('is bounded: past its limit it refuses new presses rather than forgetting old ones', () => {
    const d = new DtmfDeduplicator(3);
    const ev = buildTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 });
    expect([1, 2, 3, 4].map((ts) => d.accept(9, ts, ev))).toEqual(['5', '5', '5', undefined]);
    expect(d.accept(9, 1, ev)).toBeUndefined();
    expect(d.full).toBe(true);
    expect(d.refused).toBe(1);
  });

  it('ignores flash and unknown events', () => {
    expect(new DtmfDeduplicator().accept(1, 1, buildTelephoneEvent({ event: 16, end: false, volume: 0, duration: 0 }))).toBeUndefined();
  });

  it('plans a press: marker first, growing durations every 20 ms, the end three times', () => {
    const plan = dtmfPacketPlan('#', 100, 8000);
    expect(plan.map((p) => p.atMs)).toEqual([0, 20, 40, 60, 80, 100, 120, 140]);
    expect(plan.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false, false]);
    const events = plan.map((p) => parseTelephoneEvent(p.payload)!);
    expect(events.map((e) => e.duration)).toEqual([160, 320, 480, 640, 800, 800, 800, 800]);
    expect(events.map((e) => e.end)).toEqual([false, false, false, false, false, true, true, true]);
    expect(new Set(events.map((e) => e.event))).toEqual(new Set([11]));
  });

  it('counts duration in the event clock (48 kHz with Opus)', () => {
    expect(parseTelephoneEvent(dtmfPacketPlan('1', 40, 48000).at(-1)!.payload)!.duration).toBe(1920);
  });
});
