/**
 * Door-call figures, printed as JSON (npm run build && npx tsx bench/door-call.ts):
 * - press → INVITE: from writing `ring` on the control socket to the
 *   INVITE datagram arriving at a UDP socket that plays the home screen;
 * - 183 → first frame: from that screen sending its 183 with SDP to the
 *   first frame a fresh gst-launch openh264dec receiver decodes;
 * p50/p95 over --trials N calls (default 10). Each call ends with 486 from
 * the screen. The daemon is the built one (dist/), SPEC defaults otherwise
 * (640x480, 15 fps, preroll on).
 */
import { connect, type Socket as NetSocket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startDaemon, converse } from '../test/support/daemon.js';
import { freeRtpRange, freeUdpPorts } from '../test/support/gst-ports.js';
import { startH264Receiver } from '../test/support/gst-receiver.js';
import { Screen, screenSdp } from './lib/screen.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TRIALS = arg('trials', 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function summary(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  const p = (q: number) => r(s[Math.max(0, Math.min(s.length - 1, Math.ceil((q / 100) * s.length) - 1))]!);
  return { p50: p(50), p95: p(95), min: r(s[0]!), max: r(s[s.length - 1]!), n: s.length };
}

/** A persistent control connection, so a trial's clock starts at the write, not at connect(). */
function control(path: string): Promise<NetSocket> {
  return new Promise((resolve, reject) => {
    const c = connect(path, () => resolve(c));
    c.on('error', reject);
  });
}

async function main(): Promise<void> {
  const screen = await Screen.open('screen');
  const rtp = await freeRtpRange(8);
  const door = await startDaemon(`[call]\ntargets = ["${screen.uri}"]\nring_timeout = 20\n[media]\nrtp_ports = "${rtp}"\n[log]\nlevel = "info"\n`, { timeoutMs: 600_000 });
  const ctl = await control(door.socket);
  ctl.on('data', () => {});
  const pressToInvite: number[] = [];
  const earlyToFrame: number[] = [];
  // The encoder preroll (first camera frames) is not part of a press.
  await sleep(1500);
  try {
    for (let i = 0; i < TRIALS; i++) {
      const [videoPort, audioPort] = await freeUdpPorts(2);
      const rx = await startH264Receiver(videoPort!, { lifetimeMs: 30_000 });
      try {
        const invite = screen.nextInvite();
        const pressedAt = performance.now();
        ctl.write('ring\n');
        const inv = await invite;
        pressToInvite.push(inv.at - pressedAt);
        const sentAt = performance.now();
        screen.respond('183 Session Progress', screenSdp(audioPort!, videoPort!, 'PCMU'));
        if (!(await rx.waitFrames(1, 10_000))) throw new Error(`trial ${i}: no frame decoded`);
        earlyToFrame.push(rx.firstFrameAt()! - sentAt);
        screen.respond('486 Busy Here');
        const deadline = Date.now() + 10_000;
        // The next press must find the door idle, or it would be ignored as a press during a call.
        while (!(await converse(door.socket, 'call-status\n', { until: (t) => t.endsWith('\n\n') })).includes('No current call')) {
          if (Date.now() > deadline) throw new Error(`trial ${i}: the call did not end after 486`);
          await sleep(50);
        }
      } finally {
        await rx.kill();
      }
      await sleep(300);
    }
  } finally {
    ctl.destroy();
    screen.socket.close();
    await door.stop();
    door.cleanup();
  }
  const out = {
    bench: 'door-call',
    trials: TRIALS,
    config: { video: '640x480@15 test source, preroll on', transport: 'UDP on 127.0.0.1', receiver: 'gst-launch openh264dec (fresh per call)' },
    press_to_invite_ms: summary(pressToInvite),
    early_183_to_first_frame_ms: summary(earlyToFrame),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
