/**
 * What the runtime costs before doorstation does anything (issue 14): the
 * floor under the start-up and memory goals, measured the way report.ts
 * measures the daemon (spawn → a connect to the Unix socket succeeds; RSS
 * and CPU of the idle process after it settled).
 *
 * - `node`: Node alone, listening on one Unix socket (nothing imported);
 * - `node+zod`: the same after importing zod (what the config check costs);
 * - `node+gst`: Node holding the GStreamer binding with a 640x480@15 test
 *   camera behind a closed valve, as the door idles with preroll on.
 *
 * `npx tsx bench/runtime-floor.ts [--runs 10]` → one JSON line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cpuPercent, procStatus } from './lib/probes.js';

const i = process.argv.indexOf('--runs');
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 10;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LISTEN = `require('node:net').createServer().listen(process.argv[1]);`;
const PROGRAMS: Record<string, string> = {
  node: LISTEN,
  'node+zod': `import('zod').then(() => { ${LISTEN} });`,
  'node+gst': `const gst = require('gstreamer-superficial');
const p = new gst.Pipeline('videotestsrc is-live=true ! video/x-raw,width=640,height=480,framerate=15/1 ! valve drop=true ! fakesink');
p.play(); globalThis.keep = p; ${LISTEN}`,
};

function tryConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

async function once(program: string, idle: boolean): Promise<{ listen_ms: number; rss_mb?: number; cpu_percent?: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'floor-'));
  const sock = join(dir, 's');
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['-e', program, sock], { cwd: ROOT, stdio: 'ignore' });
  const killer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  try {
    while (!(await tryConnect(sock))) {
      if (proc.exitCode !== null) throw new Error(`program exited ${proc.exitCode}: ${program}`);
      await sleep(1);
    }
    const listen_ms = +(performance.now() - t0).toFixed(1);
    if (!idle) return { listen_ms };
    await sleep(3000);
    const cpu = await cpuPercent(proc.pid!, 5000);
    return { listen_ms, rss_mb: procStatus(proc.pid!).rssMb, cpu_percent: cpu };
  } finally {
    clearTimeout(killer);
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const stats = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1), n: s.length };
};

const figures: Record<string, unknown> = {};
for (const [name, program] of Object.entries(PROGRAMS)) {
  const listen: number[] = [];
  const rss: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    // Idle figures from three runs: they hardly vary, and each costs 8 s.
    const m = await once(program, r < 3);
    listen.push(m.listen_ms);
    if (m.rss_mb !== undefined) rss.push(m.rss_mb);
    if (m.cpu_percent !== undefined) cpu.push(m.cpu_percent);
  }
  figures[name] = { start_to_socket_ms: stats(listen), idle_rss_mb: stats(rss), idle_cpu_percent: stats(cpu) };
}
process.stdout.write(`${JSON.stringify({ bench: 'runtime-floor', node: process.version, runs: RUNS, figures })}\n`);
