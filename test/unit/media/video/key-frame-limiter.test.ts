/** At most one requested key frame per interval; requests in between fold into one at its end. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyFrameLimiter } from '../../../../src/media/video/key-frame-limiter.js';

describe('KeyFrameLimiter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function limiter(ok = () => true) {
    const force = vi.fn(ok);
    return { l: new KeyFrameLimiter({ minIntervalMs: 500, force }), force };
  }

  it('a resume re-adding a destination goes through the limit: 150 re-INVITEs in 2.4 s are not 150 key frames (issue 12 row 21)', () => {
    const { l, force } = limiter();
    // What VideoSender.add does: force at once only for a destination never seen.
    const add = (id: string) => {
      if (l.added(id) === 'new' && force()) l.noteForced();
    };
    add('7:1');
    expect(force).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 150; i++) {
      add('7:answer');
      vi.advanceTimersByTime(16);
    }
    vi.advanceTimersByTime(1000);
    // 2.4 s + 1 s at one per 500 ms: the first add, one new id, and at most 7 through the limit.
    console.log(`[media] 150 re-adds of one destination in 2.4 s: ${force.mock.calls.length} key frames (was 151)`);
    expect(force.mock.calls.length).toBeLessThanOrEqual(9);
    expect(force.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('a new destination (a fork) still gets its key frame at once', () => {
    const { l } = limiter();
    expect(l.added('1:1')).toBe('new');
    expect(l.added('1:2')).toBe('new');
    expect(l.added('1:1')).toBe('forced');
  });

  it('forces the first request at once', () => {
    const { l, force } = limiter();
    expect(l.request()).toBe('forced');
    expect(force).toHaveBeenCalledTimes(1);
  });

  it('folds a burst of requests (a lossy screen) into one key frame at the end of the interval', () => {
    const { l, force } = limiter();
    l.request();
    vi.advanceTimersByTime(100);
    expect(l.request()).toBe('deferred');
    for (let i = 0; i < 20; i++) expect(l.request()).toBe('coalesced');
    expect(force).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(399);
    expect(force).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(force).toHaveBeenCalledTimes(2);
    expect(l.coalesced).toBe(20);
  });

  it('never forces more than one per interval under a steady flood', () => {
    const { l, force } = limiter();
    for (let t = 0; t < 10_000; t += 10) {
      l.request();
      vi.advanceTimersByTime(10);
    }
    // 10 s at one per 500 ms: 20, plus the first at t=0.
    expect(force.mock.calls.length).toBeLessThanOrEqual(21);
    expect(force.mock.calls.length).toBeGreaterThanOrEqual(19);
  });

  it('counts a key frame forced elsewhere (a new destination) toward the limit', () => {
    const { l, force } = limiter();
    l.noteForced();
    expect(l.request()).toBe('deferred');
    vi.advanceTimersByTime(500);
    expect(force).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(l.request()).toBe('forced');
  });

  it('does not count a key frame that could not be forced (pipeline not playing)', () => {
    let playing = false;
    const { l, force } = limiter(() => playing);
    expect(l.request()).toBe('failed');
    playing = true;
    expect(l.request()).toBe('forced');
    expect(force).toHaveBeenCalledTimes(2);
  });

  it('drops a pending key frame on dispose', () => {
    const { l, force } = limiter();
    l.request();
    l.request();
    l.dispose();
    vi.advanceTimersByTime(2000);
    expect(force).toHaveBeenCalledTimes(1);
  });

  describe('with the encoder\'s periodic key frames (a 2 s GOP)', () => {
    function periodic() {
      const force = vi.fn(() => true);
      return { l: new KeyFrameLimiter({ minIntervalMs: 500, periodMs: 2000, slackMs: 70, force }), force };
    }

    // A first request forces one at t=0; the encoder's own key frames then come every 2 s.
    it.each([
      { when: 'counts a periodic key frame as the last one: a request right after it waits the interval', at: 2100, outcome: 'deferred', after: 400, forced: 2 },
      { when: 'lets a periodic key frame due within a frame answer a request instead of forcing one', at: 1950, outcome: 'coalesced', after: 1000, forced: 1 },
      { when: 'forces one when the next periodic key frame is further off', at: 1000, outcome: 'forced', after: 0, forced: 2 },
    ])('$when', ({ at, outcome, after, forced }) => {
      const { l, force } = periodic();
      l.request();
      vi.advanceTimersByTime(at);
      expect(l.request()).toBe(outcome);
      vi.advanceTimersByTime(after);
      expect(force).toHaveBeenCalledTimes(forced);
    });
  });
});
