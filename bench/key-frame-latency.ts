/**
 * addVideoDestination → the first packet of the key frame at the screen's
 * port, engine level (no SIP, no decoder, so little of the machine's noise):
 * the part of "183 → first decoded frame" that is the door's video. 20 trials
 * at random points of the camera's frame period, printed as JSON.
 * Run: npx tsx bench/key-frame-latency.ts [--trials 20]; DOORSTATION_DIST=/path/to/dist
 * measures another build (its config/ and media/ modules) instead of src/.
 */
import { createSocket } from 'node:dgram';
import { freeRtpRange } from '../test/support/gst-ports.js';
import { nalTypes } from '../test/support/h264-nal.js';

const dist = process.env['DOORSTATION_DIST'];
const base = dist ?? new URL('../src', import.meta.url).pathname;
const ext = dist ? 'js' : 'ts';
const i = process.argv.indexOf('--trials');
const TRIALS = i > 0 ? Number(process.argv[i + 1]) : 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { configSchema } = (await import(`${base}/config/schema.${ext}`)) as typeof import('../src/config/schema.js');
const { GstMediaEngine } = (await import(`${base}/media/engine/gst-engine.${ext}`)) as typeof import('../src/media/engine/gst-engine.js');
const config = configSchema.parse({ media: { audio_source: 'none', rtp_ports: await freeRtpRange() } }).media;
const engine = new GstMediaEngine({ config, bindAddress: '127.0.0.1' });
await engine.start();
await sleep(1500);

const socket = createSocket('udp4');
let onKey: ((at: number) => void) | undefined;
socket.on('message', (b: Buffer) => {
  const at = performance.now();
  if (nalTypes(b.subarray(12)).some((t) => t === 5 || t === 7)) onKey?.(at);
});
await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
const port = socket.address().port;
const times: number[] = [];
for (let n = 0; n < TRIALS; n++) {
  await sleep(300 + Math.random() * 700);
  const key = new Promise<number>((r) => (onKey = r));
  const t0 = performance.now();
  engine.addVideoDestination('x', { address: '127.0.0.1', port, payloadType: 96 });
  const at = await Promise.race([key, sleep(2000).then(() => NaN)]);
  onKey = undefined;
  if (Number.isFinite(at)) times.push(Math.round((at - t0) * 10) / 10);
  engine.removeVideoDestination('x');
}
times.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({ bench: 'key-frame-latency', build: dist ?? 'src', trials: TRIALS, missed: TRIALS - times.length, add_to_key_frame_ms: { min: times[0], median: times[Math.floor(times.length / 2)], max: times.at(-1) }, samples: times })}\n`,
);
await engine.stop();
socket.close();
process.exit(0);
