import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debouncer } from '../../../src/gpio/debouncer.js';

describe('debouncer (stable for N ms)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('turns a bouncing press into one level change, reported only after the contact settled', () => {
    const seen: boolean[] = [];
    const d = new Debouncer(50, false, (a) => seen.push(a));
    for (const level of [true, false, true, false, true]) {
      d.input(level);
      vi.advanceTimersByTime(2);
    }
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(47);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([true]);
    expect(d.level).toBe(true);
  });

  it('ignores a spike shorter than the debounce time (noise on a long cable)', () => {
    const seen: boolean[] = [];
    const d = new Debouncer(50, false, (a) => seen.push(a));
    d.input(true);
    vi.advanceTimersByTime(10);
    d.input(false);
    vi.advanceTimersByTime(500);
    expect(seen).toEqual([]);
  });

  it('reports the release as its own change, once, after its bounces', () => {
    const seen: boolean[] = [];
    const d = new Debouncer(20, false, (a) => seen.push(a));
    d.input(true);
    vi.advanceTimersByTime(100);
    d.input(false);
    vi.advanceTimersByTime(1);
    d.input(true);
    vi.advanceTimersByTime(1);
    d.input(false);
    vi.advanceTimersByTime(100);
    expect(seen).toEqual([true, false]);
  });

  it('with 0 ms reports every change at once', () => {
    const seen: boolean[] = [];
    const d = new Debouncer(0, false, (a) => seen.push(a));
    d.input(true);
    d.input(false);
    d.input(true);
    expect(seen).toEqual([true, false, true]);
  });

  it('does not report a level it started at (a button held during start-up is not a press)', () => {
    const seen: boolean[] = [];
    const d = new Debouncer(10, true, (a) => seen.push(a));
    d.input(true);
    vi.advanceTimersByTime(50);
    expect(seen).toEqual([]);
  });

  it('reports nothing after close', () => {
    const seen: boolean[] = [];
    const d = new Debouncer(10, false, (a) => seen.push(a));
    d.input(true);
    d.close();
    vi.advanceTimersByTime(50);
    d.input(true);
    vi.advanceTimersByTime(50);
    expect(seen).toEqual([]);
  });
});
