/**
 * Issue 12 row 12: `events on` clients that never read are dropped once
 * their unsent output passes a bound (bytes or queued writes), with a log
 * line, and the server keeps serving everyone else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { basicCommands } from '../../../src/control/commands/basic-commands.js';
import { EventBus } from '../../../src/control/event-bus.js';
import { CommandRegistry } from '../../../src/control/registry.js';
import { ControlServer } from '../../../src/control/server.js';
import { LogSink } from '../../../src/log/logger.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server() {
  const dir = mkdtempSync(join(tmpdir(), 'doorstation-slow-'));
  const lines: string[] = [];
  const sink = new LogSink({ level: 'warn', systemd: false, write: (l) => lines.push(l) });
  const events = new EventBus(sink.logger('events'));
  const registry = new CommandRegistry(sink.logger('control'));
  registry.add(...basicCommands(registry, events));
  const path = join(dir, 'doorbell');
  const srv = new ControlServer({ path, mode: '0600', registry, events, log: sink.logger('control') });
  await srv.start();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => srv.stop());
  return { srv, events, path, lines };
}

function client(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(s));
    s.on('error', reject);
    cleanups.push(() => void s.destroy());
  });
}

const tick = () => new Promise((r) => setImmediate(r));

describe('control clients that never read', () => {
  it('are dropped, with a log line, once their unsent events pass the bound; a reading client keeps its events', async () => {
    const { srv, events, path, lines } = await server();
    const stalled: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await client(path);
      s.pause(); // never reads
      s.write('events on\n');
      stalled.push(s);
    }
    const reader = await client(path);
    let got = 0;
    reader.on('data', (d: Buffer) => (got += d.toString().split('Event-type:').length - 1));
    reader.write('events on\n');
    while (srv.connections < 21) await tick();
    await new Promise((r) => setTimeout(r, 100)); // the `events on` lines have run
    const N = 5000; // ~1 MB per client: past the bound plus the kernel's socket buffer
    for (let i = 0; i < N; i++) {
      events.publish({ type: 'button-pressed', body: [['Seq', String(i).padStart(200, '0')]] });
      if (i % 100 === 0) await tick();
    }
    for (let i = 0; i < 200 && srv.connections > 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(srv.connections).toBe(1);
    expect(lines.filter((l) => l.includes('dropping a client that does not read'))).toHaveLength(20);
    for (let i = 0; i < 200 && got < N; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toBe(N);
  });
});
