/**
 * `ring` → INVITE on the wire, many times over one daemon (issue 14, command
 * → INVITE): the first ring after start (cold) and N warm ones, 8 screens
 * ringing and each sending 180; then screen A's 183 (audio and video) →
 * its first audio RTP (early audio), then `terminate`. Quicker to rerun than
 * report.ts when working on the path. `npx tsx bench/ring-latency.ts [--rings 30]`
 * DOORSTATION_PROF=DIR: the daemon writes a V8 CPU profile there (--cpu-prof);
 * LOG_LEVEL=warn: what the log lines cost (nothing measurable here).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freeRtpRange } from '../test/support/gst-ports.js';
import { freePort } from '../test/support/ports.js';
import { FirstPacket, VideoProbe } from './lib/probes.js';
import { Screen, screenSdp } from './lib/screen.js';

const CLI = process.env['DOORSTATION_CLI'] ?? fileURLToPath(new URL('../dist/doorstation.mjs', import.meta.url));
const i = process.argv.indexOf('--rings');
const RINGS = i > 0 ? Number(process.argv[i + 1]) : 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const screens = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => Screen.open(`screen-${n}`)));
const dir = mkdtempSync(join(tmpdir(), 'doorring-'));
const socket = join(dir, 'ctl');
const port = await freePort();
writeFileSync(
  join(dir, 'c.toml'),
  `[sip]\nlisten = ["udp:127.0.0.1:${port}"]\n[control]\nsocket = "${socket}"\n[call]\ntargets = [${screens.map((s) => `"${s.uri}"`).join(', ')}]\nearly_media = "audio+video"\n[media]\nrtp_ports = "${await freeRtpRange(8)}"\n[log]\nlevel = "${process.env['LOG_LEVEL'] ?? 'info'}"\n`,
);
const prof = process.env['DOORSTATION_PROF'];
const proc = spawn(process.execPath, [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, '--cpu-prof-interval=50'] : []), CLI, 'run', '-c', join(dir, 'c.toml')], {
  env: { ...process.env, UV_THREADPOOL_SIZE: '6' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let ctl: Socket | undefined;
for (let t = 0; t < 2000 && !ctl; t++) {
  ctl = await new Promise<Socket | undefined>((resolve) => {
    const c = connect(socket, () => resolve(c));
    c.once('error', () => resolve(undefined));
  });
  if (!ctl) await sleep(5);
}
let replies = '';
ctl!.on('data', (d: Buffer) => (replies += d.toString()));
await sleep(2000);
const first: number[] = [];
const last: number[] = [];
const audio: number[] = [];
for (let r = 0; r < RINGS; r++) {
  const invites = screens.map((s) => s.nextInvite());
  const t0 = performance.now();
  ctl!.write('ring\n');
  const at = (await Promise.all(invites)).map((x) => x.at - t0);
  first.push(Math.min(...at));
  last.push(Math.max(...at));
  for (const s of screens.slice(1)) s.respond('180 Ringing');
  const a = await FirstPacket.open();
  const v = await VideoProbe.open();
  const sent = performance.now();
  screens[0]!.respond('183 Session Progress', screenSdp(a.port, v.port));
  for (let w = 0; w < 100 && a.at === undefined; w++) await sleep(5);
  if (a.at !== undefined) audio.push(a.at - sent);
  a.close();
  v.close();
  ctl!.write('terminate\n');
  await sleep(400);
}
proc.kill('SIGTERM');
await new Promise((r) => proc.once('exit', r));
ctl!.destroy();
for (const s of screens) s.close();
rmSync(dir, { recursive: true, force: true });
const stats = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return { min: +v[0]!.toFixed(2), median: +v[v.length >> 1]!.toFixed(2), max: +v[v.length - 1]!.toFixed(2) };
};
process.stdout.write(
  `${JSON.stringify({ cold_first_invite_ms: +first[0]!.toFixed(2), cold_8th_invite_ms: +last[0]!.toFixed(2), warm_first_invite_ms: stats(first.slice(1)), warm_8th_invite_ms: stats(last.slice(1)), early_183_to_first_audio_rtp_ms: { first: +(audio[0] ?? NaN).toFixed(1), ...stats(audio.slice(1)) } })}\n`,
);
process.exit(0);
