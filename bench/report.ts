/**
 * The performance report (issue 14): one JSON document of every figure,
 * each as min/median/max over --runs N rounds (default 5), measured on the
 * built daemon (`npm run build && npx tsx bench/report.ts [--runs 5]`).
 *
 * Each round starts the daemon (8 home screens as call.targets, early media
 * audio+video, preroll on, SPEC defaults: 640x480@15 test camera, 800 kbit/s)
 * and plays the screens by hand (bench/lib/screen.ts), so every 183 goes out
 * when the bench says:
 * - start → control socket accepts / SIP TCP port accepts (from spawn);
 * - idle CPU (all threads, schedstat), RSS, threads, 5 s after start-up;
 * - call 1 (cold, the first after start): `ring` → first INVITE on the wire
 *   and → the 8th; screen A's 183 → its first decoded frame (gst-launch
 *   openh264dec) and → its first audio RTP; screen B's 183 60 ms later
 *   (a late fork) → its first decoded frame;
 * - call 2 also: screen A's 183 → its first audio RTP (warm);
 * - call 2 (warm): 183 → the first key-frame packet at the screen (the
 *   door's share of the first picture, no decoder), CPU with 1, 3, 8 forks in early media, the bitrate one
 *   screen receives of the static test picture, PLI → the first IDR packet
 *   and SPS per IDR; then screen A answers: in-call CPU and RSS;
 * - call 3 (warm): `ring` → INVITE again;
 * - then a second daemon with a moving picture for the moving bitrate.
 * Peak RSS is VmHWM at the end of the round. CPU is % of one core. The
 * screens answer opus (--pcmu: PCMU). DOORSTATION_CLI=path/to/cli.js
 * measures another build (before/after).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freeRtpRange } from '../test/support/gst-ports.js';
import { freePort } from '../test/support/ports.js';
import { startH264Receiver, type GstReceiver } from '../test/support/gst-receiver.js';
import { FirstPacket, VideoProbe, cpuPercent, pliPacket, procStatus } from './lib/probes.js';
import { Screen, offeredVideoPort, screenSdp as sdpOf, type ScreenAudio } from './lib/screen.js';

const screenSdp = (audioPort: number, videoPort: number) => sdpOf(audioPort, videoPort, AUDIO);

/** The daemon to measure: the built one here, or another build (before/after comparisons). */
const CLI = process.env['DOORSTATION_CLI'] ?? fileURLToPath(new URL('../dist/doorstation.mjs', import.meta.url));
/** The daemon runs with the environment its systemd unit gives it (UV_THREADPOOL_SIZE), read from the tree measured. */
function unitEnvironment(): Record<string, string> {
  try {
    const unit = readFileSync(join(dirname(CLI), '..', 'systemd', 'doorstation.service'), 'utf8');
    return Object.fromEntries([...unit.matchAll(/^Environment="?(\w+)=([^"\n]*)"?$/gm)].map((m) => [m[1]!, m[2]!]));
  } catch {
    return {};
  }
}
const UNIT_ENV = unitEnvironment();
// The unit's code cache (Node ≥ 22.1) lives in the service's state directory; the bench keeps its own.
if (UNIT_ENV['NODE_COMPILE_CACHE']) UNIT_ENV['NODE_COMPILE_CACHE'] = join(tmpdir(), 'doorstation-bench-compile-cache');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 5);
const SETTLE_MS = arg('settle', 1000);
const WINDOW_MS = arg('window', 3000);
const IDLE_MS = arg('idle', 5000);
/** The codec the screens answer (--pcmu: a G.711-only screen). */
const AUDIO: ScreenAudio = process.argv.includes('--pcmu') ? 'PCMU' : 'opus';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Samples = Record<string, number[]>;
const samples: Samples = {};
const note = (key: string, v: number | undefined) => {
  if (v === undefined || !Number.isFinite(v)) return;
  (samples[key] ??= []).push(Math.round(v * 10) / 10);
};

interface Door {
  pid: number;
  dir: string;
  socket: string;
  sipPort: number;
  controlAt: number;
  sipAt: number;
  ctl: NetSocket;
  output: () => string;
  stop(): Promise<void>;
}

function tryConnect(opts: { path: string } | { port: number; host: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(opts as never);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function startDoor(targets: string[], extra = ''): Promise<Door> {
  const dir = mkdtempSync(join(tmpdir(), 'doorbench-'));
  const socket = join(dir, 'doorbell');
  const sipPort = await freePort();
  const config = join(dir, 'doorstation.toml');
  writeFileSync(
    config,
    `[sip]\nlisten = ["udp:127.0.0.1:${sipPort}", "tcp:127.0.0.1:${sipPort}"]\n[control]\nsocket = "${socket}"\n` +
      `[call]\ntargets = [${targets.map((t) => `"${t}"`).join(', ')}]\nring_timeout = 30\nearly_media = "audio+video"\n` +
      `[media]\nrtp_ports = "${await freeRtpRange(8)}"\n${extra}[log]\nlevel = "info"\n`,
  );
  const t0 = performance.now();
  const proc = spawn(process.execPath, [CLI, 'run', '-c', config], { cwd: dir, env: { ...process.env, ...UNIT_ENV, JOURNAL_STREAM: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 600_000);
  let controlAt = 0;
  let sipAt = 0;
  const deadline = Date.now() + 10_000;
  while (!controlAt || !sipAt) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`daemon did not start:\n${out}`);
    }
    const [c, s] = await Promise.all([controlAt ? true : tryConnect({ path: socket }), sipAt ? true : tryConnect({ port: sipPort, host: '127.0.0.1' })]);
    const now = performance.now() - t0;
    if (c && !controlAt) controlAt = now;
    if (s && !sipAt) sipAt = now;
    if (!c || !s) await sleep(1);
  }
  const ctl = await new Promise<NetSocket>((resolve, reject) => {
    const c = netConnect(socket, () => resolve(c));
    c.on('error', reject);
  });
  let replies = '';
  ctl.on('data', (d: Buffer) => (replies += d.toString()));
  return {
    pid: proc.pid!,
    dir,
    socket,
    sipPort,
    controlAt,
    sipAt,
    ctl,
    output: () => out + replies,
    async stop() {
      ctl.destroy();
      const exited = new Promise((r) => proc.once('exit', r));
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const hard = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(hard);
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `ring` on the open control connection; the INVITE arrival at each screen, relative to the write. */
async function ring(door: Door, screens: Screen[]): Promise<number[]> {
  const invites = screens.map((s) => s.nextInvite());
  const t0 = performance.now();
  door.ctl.write('ring\n');
  return (await Promise.all(invites)).map((i) => i.at - t0);
}

async function endCall(door: Door): Promise<void> {
  door.ctl.write('terminate\n');
  // The next ring must find the door idle (a press during a call is ignored).
  for (let i = 0; i < 200; i++) {
    await sleep(50);
    const status = await new Promise<string>((resolve) => {
      const c = netConnect(door.socket, () => c.end('call-status\n'));
      let t = '';
      c.on('data', (d: Buffer) => (t += d.toString()));
      c.on('close', () => resolve(t));
      c.on('error', () => resolve(''));
    });
    if (status.includes('No current call')) return;
  }
  throw new Error('the call did not end');
}

async function round(r: number, screens: Screen[]): Promise<void> {
  const [A, B, ...rest] = screens as [Screen, Screen, ...Screen[]];
  const door = await startDoor(screens.map((s) => s.uri));
  try {
    note('start_to_control_socket_ms', door.controlAt);
    note('start_to_sip_bound_ms', door.sipAt);
    await sleep(2000);
    const idleCpu = await cpuPercent(door.pid, IDLE_MS);
    const idle = procStatus(door.pid);
    note('idle_cpu_percent', idleCpu);
    note('idle_rss_mb', idle.rssMb);
    note('threads_idle', idle.threads);

    // Call 1, cold: the first after start. A's 183 at once, B's (a late fork) 60 ms later.
    const recvA = await startH264Receiver((await freePort()), { lifetimeMs: 30_000 });
    const recvB = await startH264Receiver((await freePort()), { lifetimeMs: 30_000 });
    const audioA = await FirstPacket.open();
    const receivers: GstReceiver[] = [recvA, recvB];
    try {
      const arrivals = await ring(door, screens);
      note('command_to_invite_cold_ms', Math.min(...arrivals));
      note('command_to_8th_invite_cold_ms', Math.max(...arrivals));
      for (const s of rest) s.respond('180 Ringing');
      const sentA = performance.now();
      A.respond('183 Session Progress', screenSdp(audioA.port, recvA.port));
      await sleep(60);
      const sentB = performance.now();
      B.respond('183 Session Progress', screenSdp((await FirstPacket.open()).port, recvB.port));
      const [okA, okB] = await Promise.all([recvA.waitFrames(1, 5000), recvB.waitFrames(1, 5000)]);
      if (okA) note('early_183_to_first_decoded_frame_first_screen_ms', recvA.firstFrameAt()! - sentA);
      if (okB) note('early_183_to_first_decoded_frame_late_fork_ms', recvB.firstFrameAt()! - sentB);
      for (let i = 0; i < 100 && audioA.at === undefined; i++) await sleep(20);
      note('early_183_to_first_audio_rtp_ms', audioA.at !== undefined ? audioA.at - sentA : undefined);
      await endCall(door);
    } finally {
      for (const x of receivers) await x.kill();
      audioA.close();
    }

    // Call 2, warm: forks 1 → 3 → 8, bitrate, PLI, then answered.
    const probes = await Promise.all(screens.map(() => VideoProbe.open()));
    const audio = await Promise.all(screens.map(() => FirstPacket.open()));
    const rtcp = await VideoProbe.open();
    try {
      const arrivals = await ring(door, screens);
      note('command_to_invite_warm_ms', Math.min(...arrivals));
      note('command_to_8th_invite_warm_ms', Math.max(...arrivals));
      const doorRtcp = offeredVideoPort(A.invite!.text) + 1;
      for (const s of screens) s.respond('180 Ringing');
      const early = async (from: number, to: number) => {
        // The door's part of 183 → picture, without a decoder's noise: → the first key-frame packet at the screen's port.
        const key = probes[from]!.nextIdr(2000);
        const sent = performance.now();
        for (let i = from; i < to; i++) screens[i]!.respond('183 Session Progress', screenSdp(audio[i]!.port, probes[i]!.port));
        const at = await key;
        note(from === 0 ? 'early_183_to_key_frame_packet_first_screen_warm_ms' : 'early_183_to_key_frame_packet_later_fork_warm_ms', at !== undefined ? at - sent : undefined);
        for (let i = 0; i < 50 && audio[from]!.at === undefined; i++) await sleep(10);
        if (from === 0) note('early_183_to_first_audio_rtp_warm_ms', audio[0]!.at !== undefined ? audio[0]!.at - sent : undefined);
        await sleep(SETTLE_MS);
        probes[0]!.reset();
        const t0 = performance.now();
        const cpu = await cpuPercent(door.pid, WINDOW_MS);
        const kbps = (probes[0]!.bytes * 8) / (performance.now() - t0);
        return { cpu, kbps };
      };
      const one = await early(0, 1);
      note('early_cpu_percent_1_fork', one.cpu);
      note('bitrate_static_kbps', one.kbps);
      // PLI → IDR: each PLI after the limiter's interval, at a random point of the GOP.
      for (let i = 0; i < 3; i++) {
        await sleep(600 + Math.random() * 400);
        const idr = probes[0]!.nextIdr(2000);
        const t0 = performance.now();
        rtcp.socket.send(pliPacket(0x1234, probes[0]!.ssrc ?? 0), doorRtcp, '127.0.0.1');
        const at = await idr;
        if (at !== undefined) note('pli_to_key_frame_ms', at - t0);
      }
      probes[0]!.reset();
      await sleep(2500);
      note('sps_per_idr', probes[0]!.idrs ? probes[0]!.sps / probes[0]!.idrs : undefined);
      note('early_cpu_percent_3_forks', (await early(1, 3)).cpu);
      note('early_cpu_percent_8_forks', (await early(3, 8)).cpu);
      note('early_rss_mb', procStatus(door.pid).rssMb);
      A.respond('200 OK', screenSdp(audio[0]!.port, probes[0]!.port));
      await sleep(SETTLE_MS);
      note('in_call_cpu_percent', await cpuPercent(door.pid, WINDOW_MS));
      const inCall = procStatus(door.pid);
      note('in_call_rss_mb', inCall.rssMb);
      note('threads_in_call', inCall.threads);
      await endCall(door);
    } finally {
      for (const p of probes) p.close();
      for (const a of audio) a.close();
      rtcp.close();
    }

    // Call 3, warm again.
    const arrivals = await ring(door, screens);
    note('command_to_invite_warm_ms', Math.min(...arrivals));
    note('command_to_8th_invite_warm_ms', Math.max(...arrivals));
    await endCall(door);
    note('peak_rss_mb', procStatus(door.pid).peakRssMb);
  } catch (e) {
    process.stderr.write(`round ${r}: ${(e as Error).message}\n${door.output().slice(-3000)}\n`);
    throw e;
  } finally {
    await door.stop();
  }

  // A moving picture (the test pattern scrolling) for the bitrate under motion.
  const moving = await startDoor([A.uri], 'video_source = "videotestsrc is-live=true pattern=smpte horizontal-speed=4"\n');
  const probe = await VideoProbe.open();
  const audio = await FirstPacket.open();
  try {
    note('start_to_control_socket_ms', moving.controlAt);
    note('start_to_sip_bound_ms', moving.sipAt);
    await sleep(1500);
    await ring(moving, [A]);
    A.respond('183 Session Progress', screenSdp(audio.port, probe.port));
    await sleep(SETTLE_MS);
    probe.reset();
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    note('bitrate_moving_kbps', (probe.bytes * 8) / (performance.now() - t0));
    await endCall(moving);
  } finally {
    probe.close();
    audio.close();
    await moving.stop();
  }
}

function summarise(s: Samples) {
  const out: Record<string, { min: number; median: number; max: number; n: number }> = {};
  for (const [k, xs] of Object.entries(s)) {
    const v = [...xs].sort((a, b) => a - b);
    const mid = v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
    out[k] = { min: v[0]!, median: Math.round(mid * 10) / 10, max: v[v.length - 1]!, n: v.length };
  }
  return out;
}

/** --startup-only: start → control socket / SIP bound, and idle figures, without calls (quick to rerun). */
async function startupRound(screens: Screen[]): Promise<void> {
  // BENCH_MEDIA_TOML: more [media] keys, to see what a setting costs (e.g. audio_source = "none").
  const door = await startDoor(screens.map((s) => s.uri), process.env['BENCH_MEDIA_TOML'] ? `${process.env['BENCH_MEDIA_TOML']}\n` : '');
  try {
    note('start_to_control_socket_ms', door.controlAt);
    note('start_to_sip_bound_ms', door.sipAt);
    await sleep(2000);
    note('idle_cpu_percent', await cpuPercent(door.pid, IDLE_MS));
    const idle = procStatus(door.pid);
    note('idle_rss_mb', idle.rssMb);
    note('threads_idle', idle.threads);
  } finally {
    await door.stop();
  }
}

const screens = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => Screen.open(`screen-${n}`)));
try {
  for (let r = 0; r < RUNS; r++) {
    process.stderr.write(`round ${r + 1}/${RUNS}\n`);
    if (process.argv.includes('--startup-only')) await startupRound(screens);
    else await round(r, screens);
  }
} finally {
  for (const s of screens) s.close();
}
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'doorstation performance report (issue 14)',
      runs: RUNS,
      when: new Date().toISOString(),
      config: { unit_environment: UNIT_ENV, screen_audio: AUDIO, video: '640x480@15 videotestsrc, 800 kbit/s, encoder auto, preroll on', targets: 8, early_media: 'audio+video', transport: 'UDP on 127.0.0.1', decoder: 'gst-launch openh264dec' },
      load_average: (await import('node:os')).loadavg(),
      figures: summarise(samples),
      samples,
    },
    null,
    2,
  )}\n`,
);
process.exit(0);
