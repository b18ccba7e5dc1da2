/**
 * Issue 12 row 6: timers a registrar sets stay in sane ranges. Before the
 * fix, Expires or Min-Expires of 4,000,000 overflowed setTimeout (the
 * refresh fired after 1 ms: ~460 REGISTERs/s) and a huge Flow-Timer made
 * the keep-alive 1 ms. Fake timers; a fake stack plays the registrar.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../../src/log/logger.js';
import type { ClientCallbacks, SipStack } from '../../../../src/sip/core/sip-stack.js';
import { createResponse, type SipRequest } from '../../../../src/sip/message/index.js';
import { RegistrationClient } from '../../../../src/sip/registration/registration-client.js';
import { MAX_FLOW_TIMER_S, MAX_RETRY_AFTER_S, MIN_FLOW_TIMER_S, retryAfterMs } from '../../../../src/sip/registration/timer-limits.js';
import type { Endpoint } from '../../../../src/sip/transport/endpoint.js';
import type { Transport } from '../../../../src/sip/transport/transport.js';

type Answer = (req: SipRequest) => { status: number; headers?: Array<[string, string]> };

/** A registrar behind a fake stack: answers each REGISTER at once and records keep-alive intervals. */
function registrar(answer: Answer) {
  const sent: SipRequest[] = [];
  const keepAlives: number[] = [];
  const destination: Endpoint = { protocol: 'tcp', host: '192.0.2.5', port: 5060 };
  const transport = { reliable: true, protocol: 'tcp', keepAlive: (_: Endpoint, ms: number) => (keepAlives.push(ms), true) } as unknown as Transport;
  const stack = {
    route: async () => ({ destination, transport }),
    contactUri: async () => 'sip:door@192.0.2.10:5060;transport=tcp',
    send: async (req: SipRequest, cb: ClientCallbacks) => {
      sent.push(req);
      const { status, headers = [] } = answer(req);
      queueMicrotask(() => cb.onResponse(createResponse(req, status, undefined, { toTag: 'r', headers })));
      return { request: req, destination, transport };
    },
  } as unknown as SipStack;
  const client = new RegistrationClient({ stack, aor: 'sip:door@example.com', registrar: 'sip:192.0.2.5;transport=tcp', expires: 600, log: silentLogger });
  return { client, sent, keepAlives };
}

describe('registration timers from the registrar are clamped (issue 12)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('Expires 4,000,000 granted: one REGISTER, the refresh a day later at most, not a loop', async () => {
    const r = registrar(() => ({ status: 200, headers: [['Expires', '4000000']] }));
    r.client.start();
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(r.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(24 * 60 * 60 * 1000);
    expect(r.sent.length).toBeGreaterThanOrEqual(2);
    expect(r.sent.length).toBeLessThanOrEqual(3);
  });

  it('Min-Expires 4,000,000: asked for as required, refreshed daily at most', async () => {
    const r = registrar((req) => {
      const asked = Number(req.headers.get('Expires'));
      if (asked < 4_000_000) return { status: 423, headers: [['Min-Expires', '4000000']] };
      return { status: 200, headers: [['Expires', String(asked)]] };
    });
    r.client.start();
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(r.sent.map((q) => q.headers.get('Expires'))).toEqual(['600', '4000000']);
    await vi.advanceTimersByTimeAsync(2 * 24 * 60 * 60 * 1000);
    expect(r.sent.length).toBeLessThanOrEqual(5);
  });

  it('a huge or tiny Flow-Timer: keep-alives between 1 s and an hour apart', async () => {
    for (const [flowTimer, min, max] of [
      ['4000000', 0.8 * MAX_FLOW_TIMER_S * 1000, MAX_FLOW_TIMER_S * 1000],
      ['0.001', 0.8 * 120_000, 120_000],
      ['1', 0.8 * MIN_FLOW_TIMER_S * 1000, MIN_FLOW_TIMER_S * 1000],
      ['99999999999999999999', 0.8 * MAX_FLOW_TIMER_S * 1000, MAX_FLOW_TIMER_S * 1000],
    ] as const) {
      const r = registrar(() => ({ status: 200, headers: [['Expires', '600'], ['Flow-Timer', flowTimer]] }));
      r.client.start();
      await vi.advanceTimersByTimeAsync(1000);
      expect(r.keepAlives).toHaveLength(1);
      expect(r.keepAlives[0]).toBeGreaterThanOrEqual(min);
      expect(r.keepAlives[0]).toBeLessThanOrEqual(max);
    }
  });

  it('Retry-After 4,000,000 on a 503: the next try within the hour, not at once and not never', async () => {
    let n = 0;
    const r = registrar(() => (n++ === 0 ? { status: 503, headers: [['Retry-After', '4000000 (maintenance);duration=5']] } : { status: 200, headers: [['Expires', '600']] }));
    r.client.start();
    await vi.advanceTimersByTimeAsync(30 * 60 * 1000);
    expect(r.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(31 * 60 * 1000);
    expect(r.sent).toHaveLength(2);
    expect(r.client.state).toBe('Ok');
  });

  it('reads Retry-After as delta-seconds with comment and parameters (RFC 3261 §20.33)', () => {
    expect(retryAfterMs('120 (I am in a meeting);duration=3600')).toBe(120_000);
    expect(retryAfterMs(' 5')).toBe(5000);
    expect(retryAfterMs('4000000')).toBe(MAX_RETRY_AFTER_S * 1000);
    expect(retryAfterMs('9'.repeat(100))).toBe(MAX_RETRY_AFTER_S * 1000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
