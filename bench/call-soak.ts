/**
 * Soak: ring → early media → answer → talk → hang up, over and over, against
 * a SIPp home screen that takes N calls (a busy door's weeks in minutes),
 * printing the daemon's RSS and open file descriptors as the cycles go by.
 * Flat figures mean no leak per call; the first samples include warm-up
 * (JIT, GStreamer caps, pools) and UDP transactions still held for Timer
 * D/J/K (up to 32 s), so growth is taken after that.
 *
 * Run: npx tsx bench/call-soak.ts [cycles=2000] [talk-ms=300]
 */
import { answeredCallCycle, processSample as sample } from '../test/support/call-cycle.js';
import { converse, startDaemon } from '../test/support/daemon.js';
import { freeRtpRange, freeUdpPorts } from '../test/support/gst-ports.js';
import { freePort } from '../test/support/ports.js';
import { startSipp } from '../test/support/sipp.js';
import { packetCounter } from '../test/support/events.js';

const cycles = Number(process.argv[2] ?? 2000);
const talkMs = Number(process.argv[3] ?? 300);

const [videoport, audioport] = await freeUdpPorts(2);
// Media the screen receives is counted, not decoded: the soak is about the door.
const video = await packetCounter(videoport!);
const audio = await packetCounter(audioport!);
const sipPort = await freePort();
const screen = startSipp('screen-answer-soak', sipPort, { videoport: videoport!, audioport: audioport! }, { calls: cycles, lifetimeMs: 3_600_000 });
const d = await startDaemon(`[call]\ntargets = ["sip:screen@127.0.0.1:${sipPort}"]\nring_timeout = 10\n[media]\nrtp_ports = "${await freeRtpRange(8)}"\n`, { timeoutMs: 3_600_000 });
const pid = d.proc.pid!;
/** The daemon's own view (`memory`): JS heap vs native, to tell which one grows. */
async function memory(): Promise<{ heapUsedKiB: number; externalKiB: number }> {
  const r = await converse(d.socket, 'memory\n');
  const n = (k: string) => Number(new RegExp(`${k}: (\\d+)`).exec(r)?.[1] ?? NaN);
  return { heapUsedKiB: n('Heap-used'), externalKiB: n('External') };
}
const samples: Array<{ cycle: number; seconds: number; rssKiB: number; fds: number; heapUsedKiB: number; externalKiB: number }> = [];
const started = Date.now();
let answered = 0;
let failed = 0;
for (let i = 1; i <= cycles; i++) {
  if (await answeredCallCycle(d.socket, talkMs)) answered++;
  else failed++;
  if (i === 1 || i % Math.max(1, Math.floor(cycles / 20)) === 0) samples.push({ cycle: i, seconds: Math.round((Date.now() - started) / 1000), ...sample(pid), ...(await memory()) });
}
// Past Timer D/J/K of the last calls: what is still held now is kept for good.
await new Promise((r) => setTimeout(r, 35_000));
const settled = { cycle: cycles, seconds: Math.round((Date.now() - started) / 1000), ...sample(pid), ...(await memory()) };
const half = samples.find((s) => s.cycle >= cycles / 2) ?? samples[0]!;
const last = samples.at(-1)!;
console.log(
  JSON.stringify(
    {
      bench: 'call-soak',
      cycles,
      talkMs,
      answered,
      failed,
      screenExit: await Promise.race([screen.exited, new Promise((r) => setTimeout(() => r('running'), 5000))]),
      seconds: Math.round((Date.now() - started) / 100) / 10,
      packetsToScreen: { video: video.count(), audio: audio.count() },
      rssKiB: {
        first: samples[0]!.rssKiB,
        half: half.rssKiB,
        end: last.rssKiB,
        settled: settled.rssKiB,
        growthPerCallSecondHalf: Math.round(((last.rssKiB - half.rssKiB) / Math.max(1, last.cycle - half.cycle)) * 100) / 100,
      },
      heapUsedKiB: { first: samples[0]!.heapUsedKiB, half: half.heapUsedKiB, end: last.heapUsedKiB, settled: settled.heapUsedKiB },
      fds: { first: samples[0]!.fds, half: half.fds, end: last.fds, settled: settled.fds },
      samples: [...samples, settled],
    },
    null,
    2,
  ),
);
await d.stop();
d.cleanup();
screen.kill();
video.socket.close();
audio.socket.close();
