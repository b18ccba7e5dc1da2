/**
 * Video figures, printed as JSON (npx tsx bench/media-first-frame.ts):
 * - time from addVideoDestination to the first frame a gst-launch
 *   openh264dec receiver decodes, p50/p95, with the pipeline prerolled
 *   and cold (preroll = false);
 * - this process's CPU (% of one core) and RSS streaming to 0, 1, 3 and 8
 *   destinations (node sockets count the packets; decoders would measure
 *   themselves).
 * SPEC defaults: 640x480, 15 fps, 800 kbit/s, test source, encoder "auto".
 * Options: --trials N (default 15), --seconds S per load step (default 5).
 */
import { createSocket, type Socket } from 'node:dgram';
import { configSchema } from '../src/config/schema.js';
import { GstMediaEngine } from '../src/media/engine/gst-engine.js';
import { freeRtpRange, freeUdpPorts } from '../test/support/gst-ports.js';
import { startH264Receiver } from '../test/support/gst-receiver.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TRIALS = arg('trials', 15);
const SECONDS = arg('seconds', 5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
}

async function makeEngine(preroll: boolean) {
  const config = configSchema.parse({ media: { preroll, audio_source: 'none', rtp_ports: await freeRtpRange() } }).media;
  const e = new GstMediaEngine({ config, bindAddress: '127.0.0.1' });
  e.on('error', (err) => process.stderr.write(`media error: ${JSON.stringify(err)}\n`));
  await e.start();
  return e;
}

async function firstFrames(preroll: boolean) {
  const e = await makeEngine(preroll);
  if (preroll) await new Promise<void>((r) => e.once('video-playing', () => r()));
  const times: number[] = [];
  let missed = 0;
  for (let i = 0; i < TRIALS; i++) {
    const [port] = await freeUdpPorts(1);
    const r = await startH264Receiver(port!, { lifetimeMs: 30_000 });
    // Land at a random point of the GOP, as a real 183 would.
    await sleep(200 + Math.random() * 1500);
    const t0 = performance.now();
    e.addVideoDestination(`t${i}`, { address: '127.0.0.1', port: port!, payloadType: 96 });
    if (await r.waitFrames(1, 10_000)) times.push(r.firstFrameAt()! - t0);
    else missed++;
    e.removeVideoDestination(`t${i}`);
    await r.kill();
  }
  const encoder = e.capabilities().video.encoder;
  await e.stop();
  return { preroll, encoder, trials: TRIALS, missed, p50_ms: percentile(times, 50), p95_ms: percentile(times, 95), max_ms: percentile(times, 100) };
}

async function load() {
  const e = await makeEngine(true);
  await new Promise<void>((r) => e.once('video-playing', () => r()));
  const steps = [];
  const sockets: Array<{ s: Socket; n: number }> = [];
  for (const count of [0, 1, 3, 8]) {
    while (sockets.length < count) {
      const [port] = await freeUdpPorts(1);
      const entry = { s: createSocket('udp4'), n: 0 };
      entry.s.on('message', () => entry.n++);
      await new Promise<void>((r) => entry.s.bind(port!, '127.0.0.1', () => r()));
      e.addVideoDestination(`d${sockets.length}`, { address: '127.0.0.1', port: port!, payloadType: 96 });
      sockets.push(entry);
    }
    await sleep(1000); // settle after the forced key frames
    for (const x of sockets) x.n = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    steps.push({
      destinations: count,
      cpu_percent_of_one_core: Math.round(((cpu.user + cpu.system) / 1000 / wall) * 1000) / 10,
      rss_mb: Math.round((process.memoryUsage().rss / 1048576) * 10) / 10,
      packets_per_s_per_destination: count ? Math.round(sockets.reduce((a, x) => a + x.n, 0) / count / (wall / 1000)) : 0,
    });
  }
  await e.stop();
  for (const x of sockets) x.s.close();
  return steps;
}

const prerolled = await firstFrames(true);
const cold = await firstFrames(false);
const steps = await load();
process.stdout.write(
  JSON.stringify(
    {
      bench: 'media-first-frame',
      config: { width: 640, height: 480, framerate: 15, video_bitrate_kbps: 800, source: 'test', receiver: 'gst-launch openh264dec' },
      first_decoded_frame_after_add: [prerolled, cold],
      load: steps,
    },
    null,
    2,
  ) + '\n',
);
process.exit(0);
