/**
 * Does a visitor picture hold the event loop (and so the press → INVITE
 * path)? Printed as JSON (npx tsx bench/visitor-picture.ts):
 * - the event loop's delay (perf_hooks monitorEventLoopDelay, 1 ms
 *   resolution) p50/p99/max with the camera prerolled and idle, and while
 *   snapshots are taken back to back (media.snapshot: jpegenc on a
 *   GStreamer thread, the file written with async I/O);
 * - the time one snapshot takes, p50/p95, JPEG size;
 * - the longest a 1 ms timer was late during snapshots (what an INVITE
 *   queued behind a picture would wait at most).
 * SPEC defaults: 640x480, 15 fps, test source. Options: --shots N (default 30), --idle S (default 6).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { configSchema } from '../src/config/schema.js';
import { GstMediaEngine } from '../src/media/engine/gst-engine.js';
import { freeRtpRange } from '../test/support/gst-ports.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SHOTS = arg('shots', 30);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (ns: number) => Math.round(ns / 1e4) / 100;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
}

/** The loop's delay over `run`, and the latest a 1 ms timer fired meanwhile. */
async function loopDelay<T>(run: () => Promise<T>) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let late = 0;
  let over20 = 0;
  let due = performance.now() + 1;
  const tick = setInterval(() => {
    const now = performance.now();
    late = Math.max(late, now - due);
    if (now - due > 20) over20++;
    due = now + 1;
  }, 1);
  const t0 = performance.now();
  h.enable();
  const result = await run();
  h.disable();
  clearInterval(tick);
  const minutes = (performance.now() - t0) / 60_000;
  return {
    result,
    p50_ms: ms(h.percentile(50)),
    p99_ms: ms(h.percentile(99)),
    p999_ms: ms(h.percentile(99.9)),
    max_ms: ms(h.max),
    timer_late_max_ms: Math.round(late * 10) / 10,
    timer_late_over_20ms_per_min: Math.round((over20 / minutes) * 10) / 10,
  };
}

async function main() {
  const config = configSchema.parse({ media: { preroll: true, audio_source: 'none', rtp_ports: await freeRtpRange() } }).media;
  const e = new GstMediaEngine({ config, bindAddress: '127.0.0.1' });
  e.on('error', (err) => process.stderr.write(`media error: ${JSON.stringify(err)}\n`));
  await e.start();
  await new Promise<void>((r) => e.once('video-playing', () => r()));
  await sleep(1000);
  const dir = mkdtempSync(join(tmpdir(), 'visitor-bench-'));
  try {
    const idle = await loopDelay(() => sleep(Number(arg('idle', 6)) * 1000));
    const times: number[] = [];
    const bytes: number[] = [];
    const shooting = await loopDelay(async () => {
      for (let i = 0; i < SHOTS; i++) {
        const file = join(dir, `visitor-${i}.jpg`);
        const t0 = performance.now();
        await e.snapshot(file);
        times.push(performance.now() - t0);
        bytes.push(statSync(file).size);
      }
    });
    const { result: _r, ...during } = shooting;
    const { result: _i, ...quiet } = idle;
    process.stdout.write(
      JSON.stringify(
        {
          bench: 'visitor-picture',
          width: config.width,
          height: config.height,
          framerate: config.framerate,
          encoder: e.capabilities().video.encoder,
          shots: SHOTS,
          snapshot_p50_ms: percentile(times, 50),
          snapshot_p95_ms: percentile(times, 95),
          jpeg_bytes_p50: percentile(bytes, 50),
          loop_delay_idle: quiet,
          loop_delay_during_snapshots: during,
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await e.stop();
  }
}

await main();
