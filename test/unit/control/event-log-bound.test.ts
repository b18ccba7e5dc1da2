/**
 * A flood of one event type (e.g. `door-refused` for MESSAGEs from
 * strangers, issue 12 row 5) is bounded in the log, not in the queue.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_LOG_WINDOW_MS, EventBus, LOGGED_EVENTS_PER_WINDOW } from '../../../src/control/event-bus.js';
import { LogSink } from '../../../src/log/logger.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('event log lines', () => {
  it('logs at most a bound per type and window, then one summary; every event still reaches the queue', () => {
    const lines: string[] = [];
    const bus = new EventBus(new LogSink({ level: 'info', systemd: true, write: (l) => lines.push(l) }).logger('events'), 5000);
    const refused = { type: 'door-refused', body: [['By', 'sip:stranger@x'], ['Reason', 'not-allowed']] as const };
    for (let i = 0; i < 1000; i++) bus.publish(refused);
    bus.publish({ type: 'door-opened', body: [['By', 'sip:kitchen@myhouse']] });
    expect(bus.size).toBe(1001);
    expect(lines.filter((l) => l.includes('event door-refused'))).toHaveLength(LOGGED_EVENTS_PER_WINDOW);
    expect(lines.filter((l) => l.includes('event door-opened'))).toHaveLength(1);
    vi.advanceTimersByTime(EVENT_LOG_WINDOW_MS);
    bus.publish(refused);
    expect(lines.some((l) => l.includes(`${1000 - LOGGED_EVENTS_PER_WINDOW} more door-refused events not logged`))).toBe(true);
    expect(lines.filter((l) => l.includes('event door-refused'))).toHaveLength(LOGGED_EVENTS_PER_WINDOW + 1);
  });
});
