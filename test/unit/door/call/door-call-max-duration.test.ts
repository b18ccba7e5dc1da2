/** `[call] max_duration` (SPEC section 4): BYE when it elapses, End and Released, a log line saying why. Fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallState } from '../../../../src/door/call/call-state.js';
import { harness } from '../../../support/door-call-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('max_duration', () => {
  it('hangs up an answered call with BYE when it elapses, and not before', async () => {
    const h = harness({ max_duration: 2 });
    const { call } = await h.answeredCall();
    await vi.advanceTimersByTimeAsync(1999);
    expect(h.sent).toEqual([]);
    expect(call.state).toBe(CallState.StreamsRunning);

    await vi.advanceTimersByTimeAsync(1);
    expect(h.sent.map((r) => r.method)).toEqual(['BYE']);
    expect(h.states.slice(-2)).toEqual([CallState.End, CallState.Released]);
    expect(call.endReason).toBe('max_duration (2 s) reached');
    expect(h.lines.some((l) => l.includes('call 1: max_duration (2 s) reached; hanging up'))).toBe(true);
    // Media stop with the call.
    expect(h.media.talk).toBeUndefined();
    expect(h.media.destinations.size).toBe(0);
  });

  it('does nothing once the call has ended some other way', async () => {
    const h = harness({ max_duration: 2 });
    const { call } = await h.answeredCall();
    await call.hangup();
    const sent = h.sent.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.sent.length).toBe(sent);
    expect(h.lines.some((l) => l.includes('max_duration'))).toBe(false);
  });
});
