import { describe, expect, it } from 'vitest';
import { RestartBackoff } from '../../../../src/media/gst/restart-backoff.js';

describe('restart backoff', () => {
  it('doubles up to the cap', () => {
    const b = new RestartBackoff({ firstMs: 500, maxMs: 3000, stableMs: 10_000 });
    expect([1, 2, 3, 4, 5].map((t) => b.failed(t))).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(b.attempts).toBe(5);
  });

  it('starts over after a stable run, not after a short one', () => {
    const b = new RestartBackoff({ firstMs: 500, maxMs: 30_000, stableMs: 10_000 });
    b.failed(0);
    b.failed(1);
    b.up(2);
    expect(b.failed(5000)).toBe(2000);
    b.up(6000);
    expect(b.failed(20_000)).toBe(500);
  });
});
