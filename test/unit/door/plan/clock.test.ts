/** The DOORSTATION_CLOCK_START test hook: starts the daemon's clock at an instant, running on in real time; anything else is real time, said. */
import { describe, expect, it } from 'vitest';
import { daemonClock } from '../../../../src/clock.js';

describe('daemonClock', () => {
  it('real time without the hook', () => {
    const c = daemonClock({});
    expect(c.notice).toBeUndefined();
    expect(Math.abs(c.now().getTime() - Date.now())).toBeLessThan(1000);
  });

  it('starts at DOORSTATION_CLOCK_START and says so', () => {
    const c = daemonClock({ DOORSTATION_CLOCK_START: '2026-10-25T00:59:55Z' });
    expect(c.now().getTime() - Date.parse('2026-10-25T00:59:55Z')).toBeGreaterThanOrEqual(0);
    expect(c.now().getTime() - Date.parse('2026-10-25T00:59:55Z')).toBeLessThan(60_000);
    expect(c.notice).toMatch(/^test clock: DOORSTATION_CLOCK_START starts the clock at 2026-10-25T00:59:55\.000Z/);
  });

  it('an instant without a zone, or no date at all, is refused: real time, with a warning', () => {
    for (const bad of ['2026-10-25T00:59:55', 'yesterday', '2026-10-25']) {
      const c = daemonClock({ DOORSTATION_CLOCK_START: bad });
      expect(c.notice).toMatch(/is not an ISO 8601 instant/);
      expect(Math.abs(c.now().getTime() - Date.now())).toBeLessThan(1000);
    }
  });
});
