import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CACHED_NAMES, LocalResolver } from '../../../src/mdns/local-resolver.js';

/** A responder that answers every A query with a fresh address, counting the queries. */
function answering(): EventEmitter & { queries: number; query(q: Array<{ name: string; type: string }>, cb: (e?: Error) => void): void } {
  const m = new EventEmitter() as EventEmitter & { queries: number; query(q: Array<{ name: string; type: string }>, cb: (e?: Error) => void): void };
  m.queries = 0;
  m.query = (q, cb) => {
    m.queries++;
    cb();
    queueMicrotask(() => m.emit('response', { answers: [{ name: q[0]!.name, type: q[0]!.type, data: `10.0.0.${m.queries % 250}`, ttl: 120 }] }));
  };
  return m;
}

describe('LocalResolver', () => {
  it('caches answers, at most CACHED_NAMES names (oldest go first)', async () => {
    const r = new LocalResolver({ timeoutMs: 100 });
    const m = answering();
    (r as unknown as { opening: Promise<unknown> }).opening = Promise.resolve(m);
    await r.resolve('first.local');
    await r.resolve('First.local.');
    expect(m.queries).toBe(1);
    for (let i = 0; i < CACHED_NAMES + 20; i++) await r.resolve(`h${i}.local`);
    expect((r as unknown as { cache: Map<string, unknown> }).cache.size).toBe(CACHED_NAMES);
    const before = m.queries;
    await r.resolve(`h${CACHED_NAMES + 19}.local`);
    expect(m.queries).toBe(before);
    await r.resolve('first.local');
    expect(m.queries).toBe(before + 1);
  });
});
