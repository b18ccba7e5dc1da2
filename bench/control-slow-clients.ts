/**
 * Issue 12 row 12: 200 control clients send `events on` and never read;
 * events are published as fast as the bus takes them. Prints (JSON) the
 * RSS growth, the longest event-loop stall while publishing, and how many
 * clients are still connected once the bound has dropped the stalled ones.
 * In one process (server and clients): the clients' side costs only kernel
 * socket buffers.
 *
 * Events go out in bursts of 20 (more than a call makes at once), the loop
 * turning between bursts.
 *
 * Run: npx tsx bench/control-slow-clients.ts [clients=200] [events=20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { basicCommands } from '../src/control/commands/basic-commands.js';
import { EventBus } from '../src/control/event-bus.js';
import { CommandRegistry } from '../src/control/registry.js';
import { ControlServer, MAX_UNSENT_BYTES } from '../src/control/server.js';
import { LogSink } from '../src/log/logger.js';

const clients = Number(process.argv[2] ?? 200);
const count = Number(process.argv[3] ?? 20000);
const dir = mkdtempSync(join(tmpdir(), 'doorstation-bench-'));
let dropped = 0;
const sink = new LogSink({ level: 'warn', systemd: false, write: (l) => void (l.includes('dropping a client') && dropped++) });
const events = new EventBus(sink.logger('events'));
const registry = new CommandRegistry(sink.logger('control'));
registry.add(...basicCommands(registry, events));
const path = join(dir, 'doorbell');
const server = new ControlServer({ path, mode: '0600', registry, events, log: sink.logger('control') });
await server.start();

const sockets: Socket[] = [];
for (let i = 0; i < clients; i++) {
  const s = await new Promise<Socket>((resolve) => {
    const c = connect(path, () => resolve(c));
  });
  s.on('error', () => {});
  s.pause();
  s.write('events on\n');
  sockets.push(s);
}
await new Promise((r) => setTimeout(r, 300));
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const t0 = performance.now();
let peakRss = rssBefore;
for (let i = 0; i < count; i++) {
  events.publish({ type: 'button-pressed', body: [['Seq', String(i).padStart(180, '0')]] });
  if (i % 20 === 0) {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    await new Promise((r) => setImmediate(r));
  }
}
const publishMs = performance.now() - t0;
await new Promise((r) => setTimeout(r, 300));
loop.disable();
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    clients,
    events: count,
    limitBytes: MAX_UNSENT_BYTES,
    publishMs: Math.round(publishMs),
    maxLoopStallMs: Math.round(loop.max / 1e6),
    rssGrowthMiB: +((peakRss - rssBefore) / 2 ** 20).toFixed(1),
    droppedClients: dropped,
    stillConnected: server.connections,
  }),
);
for (const s of sockets) s.destroy();
await server.stop();
rmSync(dir, { recursive: true, force: true });
