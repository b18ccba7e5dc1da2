/**
 * The media engine alone, without SIP: a call's media steps (video
 * destination added, talk started, stopped, destination removed) in a
 * loop, with RSS / JS heap / external (KiB) after a forced GC every 100
 * cycles. Tells a native leak in media from anything in the SIP or door
 * layers. SKIP=audio or SKIP=video leaves one side out.
 *
 * Run: NODE_OPTIONS=--expose-gc npx tsx bench/media-soak.ts [cycles=500] [talk-ms=100]
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { configSchema } from '../src/config/schema.js';
import { GstMediaEngine } from '../src/media/engine/gst-engine.js';
import { freeRtpRange } from '../test/support/gst-ports.js';
const N = Number(process.argv[2] ?? 500);
const talkMs = Number(process.argv[3] ?? 100);
const skip = (process.env.SKIP ?? '').split(',');
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sink = createSocket('udp4'); await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
const port = (sink.address() as { port: number }).port;
let pk = 0; sink.on('message', () => pk++);
const config = configSchema.parse({ media: { rtp_ports: await freeRtpRange(), ...(process.env.PREROLL === '0' ? { preroll: false } : {}) } }).media;
const e = new GstMediaEngine({ config, bindAddress: '127.0.0.1' });
e.on('error', (x) => console.error('ERR', x));
await e.start(); await sleep(1500);
const out: string[] = [];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with NODE_OPTIONS=--expose-gc');
for (let i = 0; i <= N; i++) {
  if (i % 100 === 0) { gc(); const m = process.memoryUsage(); out.push(`${i}:${rss()}/${Math.round(m.heapUsed / 1024)}/${Math.round(m.external / 1024)}`); }
  const id = `c${i}`;
  if (!skip.includes('video')) e.addVideoDestination(id, { address: '127.0.0.1', port, payloadType: 96 });
  await sleep(50);
  if (!skip.includes('audio')) e.startTalk({ address: '127.0.0.1', port, codec: 'PCMU', payloadType: 0, dtmf: { payloadType: 101, clockRate: 8000 } });
  await sleep(talkMs);
  if (!skip.includes('audio')) e.stopTalk();
  if (!skip.includes('video')) e.removeVideoDestination(id);
  await sleep(30);
}
await sleep(5000); gc(); out.push(`idle:${rss()}`);
console.log(JSON.stringify({ bench: 'media-soak', skip, cycles: N, talkMs, packetsToPeer: pk, rssKiBHeapKiBExternalKiB: out }, null, 2));
await e.stop(); sink.close(); process.exit(0);
