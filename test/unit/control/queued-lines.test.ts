/**
 * A client writing commands faster than they run is held back by the
 * socket (the server stops reading past MAX_QUEUED_LINES unanswered lines)
 * instead of growing the connection's queue without bound; every line is
 * still answered, in order, once the commands run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/control/event-bus.js';
import { CommandRegistry } from '../../../src/control/registry.js';
import { ControlServer } from '../../../src/control/server.js';
import { LogSink } from '../../../src/log/logger.js';
import { ok } from '../../../src/control/reply.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a client that outruns its commands', () => {
  it('is held back by the socket while a command runs, and gets every reply after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorstation-queued-'));
    const sink = new LogSink({ level: 'warn', systemd: false, write: () => undefined });
    const registry = new CommandRegistry(sink.logger('control'));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let runs = 0;
    registry.add({ name: 'slow', syntax: 'slow', description: '', run: async () => (runs++ === 0 ? (await held, ok()) : ok()) });
    const path = join(dir, 'doorbell');
    const srv = new ControlServer({ path, mode: '0600', registry, events: new EventBus(sink.logger('events')), log: sink.logger('control') });
    await srv.start();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => srv.stop());
    const s = await new Promise<Socket>((resolve, reject) => {
      const c = connect(path, () => resolve(c));
      c.on('error', reject);
    });
    cleanups.push(() => void s.destroy());
    let replies = 0;
    s.on('data', (d: Buffer) => (replies += d.toString().split('Status: Ok').length - 1));
    const N = 4000;
    const line = `slow ${'x'.repeat(1000)}\n`; // ~4 MB in all: far past what the kernel buffers between the two ends
    for (let i = 0; i < N; i++) s.write(line);
    await new Promise((r) => setTimeout(r, 300));
    // Unread by the server, the rest waits in the client's own buffer.
    expect(s.writableLength).toBeGreaterThan(1_000_000);
    release();
    for (let i = 0; i < 500 && replies < N; i++) await new Promise((r) => setTimeout(r, 20));
    expect(replies).toBe(N);
  });
});
