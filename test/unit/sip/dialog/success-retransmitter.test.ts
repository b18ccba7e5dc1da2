/** RFC 3261 §13.3.1.4: the UAS resends its 2xx to an INVITE until the ACK, with fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SuccessRetransmitter } from '../../../../src/sip/dialog/success-retransmitter.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function run(reliable: boolean) {
  const start = Date.now();
  const sent: number[] = [];
  let noAck = 0;
  const r = new SuccessRetransmitter({ reliable, resend: () => sent.push(Date.now() - start), onNoAck: () => noAck++ });
  return { r, sent, noAck: () => noAck };
}

describe('2xx retransmission (§13.3.1.4)', () => {
  it('over UDP resends at T1, doubling up to T2, and gives up at 64*T1', () => {
    const { sent, noAck } = run(false);
    vi.advanceTimersByTime(32_000 - 1);
    expect(sent).toEqual([500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
    expect(noAck()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(noAck()).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(sent).toHaveLength(10);
    expect(noAck()).toBe(1);
  });

  it('stops at the ACK', () => {
    const { r, sent, noAck } = run(false);
    vi.advanceTimersByTime(2000);
    r.stop();
    vi.advanceTimersByTime(60_000);
    expect(sent).toEqual([500, 1500]);
    expect(noAck()).toBe(0);
  });

  it('over TCP/TLS sends nothing more and never gives up on its own', () => {
    const { sent, noAck } = run(true);
    vi.advanceTimersByTime(60_000);
    expect(sent).toEqual([]);
    expect(noAck()).toBe(0);
  });
});
