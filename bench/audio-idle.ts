/**
 * The microphone between calls (issue 14, idle CPU): the talk pipeline
 * (Opus, test source, echo canceller) PLAYING behind its closed valve, as
 * the daemon keeps it, against PAUSED. For each: CPU of the whole process
 * over 5 s of idle, then N cycles of "idle 40 ms, then a 183" (the valve
 * opened, or PAUSED → PLAYING) with the time to the first encoded packet
 * and RSS after a forced GC every 100 cycles (what a cycle keeps).
 *
 * Run: NODE_OPTIONS=--expose-gc UV_THREADPOOL_SIZE=6 npx tsx bench/audio-idle.ts valve|pause [cycles=300]
 *
 * Caution on the latency of `pause`: audiotestsrc makes its first buffer at
 * once after PLAYING; a real capture device (alsasrc) has to record a
 * whole period (latency-time, 20 ms) first.
 */
import { readFileSync } from 'node:fs';
import { findAppSink, findElement, parsePipeline } from '../src/media/gst/gst.js';
import { audioPipelineDescription } from '../src/media/audio/audio-pipeline.js';
import { cpuPercent } from './lib/probes.js';

const mode = process.argv[2] === 'pause' ? 'pause' : 'valve';
const N = Number(process.argv[3] ?? 300);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with NODE_OPTIONS=--expose-gc');

const p = parsePipeline(audioPipelineDescription({ codec: 'opus', payloadType: 111, source: 'test', sink: 'fake', echoCancel: true, probeName: 'bench_probe' }));
p['auto-flush-bus'] = false;
let busMessages = 0;
p.pollBus(() => void busMessages++);
const valve = findElement(p, 'amic')!;
const sink = findAppSink(p, 'rtpout')!;
let waiter: ((t: number) => void) | undefined;
const pull = () =>
  sink.pull((buf) => {
    if (!buf) return;
    waiter?.(performance.now());
    pull();
  });
p.play();
await sleep(1000);
pull();

const idle = () => (mode === 'valve' ? valve.set('drop', true) : p.pause());
const wake = () => (mode === 'valve' ? valve.set('drop', false) : p.play());
if (mode === 'pause') valve.set('drop', false);
idle();
await sleep(500);
const idleCpu = await cpuPercent(process.pid, 5000);

const latency: number[] = [];
const rssKiB: string[] = [];
for (let i = 0; i <= N; i++) {
  if (i % 100 === 0) {
    gc();
    rssKiB.push(`${i}:${rss()}`);
  }
  idle();
  await sleep(45);
  waiter = undefined;
  const first = new Promise<number>((r) => (waiter = r));
  const t0 = performance.now();
  wake();
  const at = await Promise.race([first, sleep(500).then(() => NaN)]);
  latency.push(at - t0);
  await sleep(60);
}
const v = latency.filter(Number.isFinite).sort((a, b) => a - b);
const q = (f: number) => +v[Math.min(v.length - 1, Math.floor(v.length * f))]!.toFixed(1);
process.stdout.write(
  `${JSON.stringify({ bench: 'audio-idle', mode, cycles: N, idle_cpu_percent: idleCpu, wake_to_first_packet_ms: { min: q(0), median: q(0.5), p90: q(0.9), max: q(1), lost: latency.length - v.length }, busMessages, rssKiB })}\n`,
);
p.stop();
process.exit(0);
