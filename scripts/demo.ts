/**
 * `npm run demo`: a door call end to end on this machine, with a real home
 * screen (baresip, headless, answermode=early) and the built daemon
 * (dist/). Rings the screen, proves that the early video was decoded with
 * a PNG of what was received, answers, talks, hangs up, and prints a
 * timeline, then works the door panel of issue 15 on the simulated GPIO: a
 * forced and held-open door, the exit button, and a gate relay.
 *
 * The PNG comes from baresip's own `/snapshot_recv` when baresip can decode
 * H.264 (its avcodec module, Debian package baresip-ffmpeg). Without it,
 * baresip answers audio only, so a second screen rings alongside: SIPp
 * answering 183 with its video port on a GStreamer openh264dec → pngenc
 * receiver. The door then also shows forking: that screen is cancelled
 * when baresip answers.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { baresipDecodesH264, hasBaresip, startBaresip, type RunningBaresip } from '../test/support/baresip.js';
import { CLI, converse, startDaemon, type RunningDaemon } from '../test/support/daemon.js';
import { gstLaunch, PLAYING, type GstLaunch } from '../test/support/gst-launch.js';
import { freeRtpRange, freeUdpPorts } from '../test/support/gst-ports.js';
import { freePort } from '../test/support/ports.js';
import { hasSipp, startSipp, type RunningSipp } from '../test/support/sipp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t0 = performance.now();
const timeline: string[] = [];
/** One timeline line, printed as it happens: milliseconds after the press. */
function mark(what: string): void {
  const line = `${String(Math.round(performance.now() - t0)).padStart(6)} ms  ${what}`;
  timeline.push(line);
  process.stdout.write(`${line}\n`);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function pngSize(file: string): string {
  const b = readFileSync(file);
  return b.subarray(1, 4).toString() === 'PNG' ? `${b.readUInt32BE(16)}x${b.readUInt32BE(20)}` : 'not a PNG';
}

const stats = async (d: RunningDaemon) =>
  Object.fromEntries([...(await converse(d.socket, 'call-stats 1\n', { until: (t) => t.endsWith('\n\n') })).matchAll(/^([\w-]+): (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
const state = async (d: RunningDaemon) => (await converse(d.socket, 'call-status 1\n', { until: (t) => t.endsWith('\n\n') })).match(/State: (\S+)/)?.[1];

/** Issue 15: a gate relay beside the door, an exit button and a door contact, all on the simulated GPIO. */
const PANEL_TOML =
  '[[relays]]\nname = "door"\nline = 27\n[[relays]]\nname = "gate"\nline = 25\n' +
  '[exit_button]\nline = 23\nrelay = "door"\n[door_contact]\nline = 24\nrelay = "door"\nheld_open_s = 1\n';

/** The door forced and left open; then someone leaves by the exit button (no alarm); the gate opened from the socket. */
async function panelDemo(door: RunningDaemon): Promise<void> {
  const send = (line: string) => converse(door.socket, `${line}\n`, { until: (t) => t.endsWith('\n\n') });
  mark('the door is pushed open with no pulse of its relay (`door-contact open`), and left open');
  await send('door-contact open');
  await sleep(1300);
  await send('door-contact closed');
  mark('resident leaves: exit button (`press-exit`), the door opens and closes: no alarm');
  await send('press-exit');
  await send('door-contact open');
  await send('door-contact closed');
  mark('the gate is opened from the socket (`open-door gate`)');
  await send('open-door gate');
  await sleep(200);
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: npm run build first');
  if (!hasBaresip) throw new Error('baresip is not installed (scripts/setup installs it)');
  const outDir = join(tmpdir(), `doorstation-demo-${Date.now()}`);
  mkdirSync(outDir, { recursive: true });
  const png = join(outDir, 'screen-early-video.png');
  const kills: Array<() => unknown> = [];
  try {
    const screen: RunningBaresip = await startBaresip({ answerMode: 'early', user: 'homescreen' });
    kills.push(() => screen.kill());
    console.log(`home screen: baresip at ${screen.uri} (answermode=early, config in ${screen.dir})`);
    const targets = [screen.uri];
    let panel: { sipp: RunningSipp; rx: GstLaunch } | undefined;
    if (!baresipDecodesH264) {
      if (!hasSipp) throw new Error('baresip has no H.264 decoder here (baresip-ffmpeg) and SIPp is missing: nothing can show the video');
      const [videoPort, audioPort] = await freeUdpPorts(2);
      const caps = 'application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96';
      const rx = gstLaunch(
        ['udpsrc', 'address=127.0.0.1', `port=${videoPort}`, `caps=${caps}`, '!', 'rtph264depay', '!', 'h264parse', '!', 'openh264dec', '!', 'videoconvert', '!', 'pngenc', 'snapshot=true', '!', 'filesink', `location=${png}`],
        { lifetimeMs: 60_000, watch: [PLAYING] },
      );
      kills.push(() => rx.kill());
      if (!(await rx.waitFor(() => rx.count(PLAYING) > 0, 10_000))) throw new Error(`PNG receiver did not start: ${rx.output()}`);
      const sipPort = await freePort();
      const sipp = startSipp('screen-early-cancelled', sipPort, { videoport: videoPort!, audioport: audioPort! });
      kills.push(() => sipp.kill());
      panel = { sipp, rx };
      targets.push(`sip:panel@127.0.0.1:${sipPort}`);
      console.log('baresip here has no H.264 decoder (its avcodec module is in Debian package baresip-ffmpeg),');
      console.log(`so a second screen rings alongside: SIPp at sip:panel@127.0.0.1:${sipPort}, its video decoded by GStreamer openh264dec into the PNG.`);
    }
    const rtp = await freeRtpRange(8);
    const door = await startDaemon(
      `[sip]\nlisten = ["udp:127.0.0.1:0"]\nidentity = "sip:door@127.0.0.1"\n[call]\ntargets = [${targets.map((t) => `"${t}"`).join(', ')}]\nmode = "parallel"\nearly_media = "video"\nring_timeout = 30\n[media]\nrtp_ports = "${rtp}"\n[log]\nlevel = "info"\n${PANEL_TOML}`,
      { timeoutMs: 120_000 },
    );
    kills.push(async () => {
      await door.stop();
      door.cleanup();
    });
    console.log(`door station: ${CLI} (config and control socket in ${door.dir}, removed at the end)\n`);
    // The camera pipeline prerolls at start; a press comes later in real life too.
    await sleep(1000);

    const events = connect(door.socket);
    events.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/Event: (\S+)/g)) mark(`door event ${m[1]}`);
      for (const m of d.toString().matchAll(/Event-type: (door-\S+)\n\n((?:[A-Za-z-]+: .*\n)*)/g)) mark(`${m[1]} ${m[2]!.trim().replace(/\n/g, ', ')}`);
    });
    events.on('error', () => {});
    kills.push(() => events.destroy());
    await new Promise<void>((r) => events.once('connect', () => r()));
    events.write('events on\n');
    await sleep(200);

    t0 = performance.now();
    mark('press (`ring` on the control socket)');
    await converse(door.socket, 'ring\n', { until: (t) => t.endsWith('\n\n') });
    await until('early media', async () => (await state(door)) === 'LinphoneCallOutgoingEarlyMedia', 10_000);
    // Forks: early dialogs (183 with SDP), one per ringing screen.
    await until('every screen in early media', async () => (await converse(door.socket, 'call-status 1\n', { until: (t) => t.endsWith('\n\n') })).includes(`Forks: ${targets.length}\n`), 5000);
    mark(`${targets.length === 1 ? 'baresip rings' : 'both screens ring'} with early media (183 with SDP${targets.length === 1 ? '' : ' from each'})`);

    if (baresipDecodesH264) {
      await until('video to baresip', async () => (await stats(door))['Video-destinations'] !== 'none', 5000);
      await sleep(500);
      await screen.command(`/snapshot_recv ${png}`);
    }
    await until('PNG of the early video', () => existsSync(png) && statSync(png).size > 0 && (!panel || panel.rx.proc.exitCode !== null || panel.rx.proc.signalCode !== null), 10_000);
    mark(`screen decoded the early video while ringing: ${png} (${pngSize(png)})`);

    await sleep(1500);
    mark('resident accepts on baresip (/accept)');
    await screen.command('/accept');
    await until('answered', async () => (await state(door)) === 'LinphoneCallStreamsRunning', 10_000);
    if (panel) {
      const code = await panel.sipp.exited;
      mark(`the other screen got CANCEL and answered 487 (SIPp exit ${code})`);
    }
    const talk = await until(
      'audio both ways',
      async () => {
        const s = await stats(door);
        return Number(s['Audio-packets-received']) > 50 && Number(s['Audio-packets-sent']) > 50 ? s : undefined;
      },
      10_000,
    );
    mark(`two-way audio (${talk['Audio-codec']}): door sent ${talk['Audio-packets-sent']} RTP packets, received ${talk['Audio-packets-received']}`);
    await sleep(1500);

    mark('door hangs up (`terminate`)');
    await converse(door.socket, 'terminate 1\n', { until: (t) => t.endsWith('\n\n') });
    await screen.waitFor(/packets:\s+\d+\s+\d+/, 5000);
    const theirs = screen.audioPackets();
    mark(`baresip: call terminated${theirs ? `; it sent ${theirs.sent} and received ${theirs.received} audio packets` : ''}`);
    await sleep(300);

    await panelDemo(door);

    console.log(`\n${timeline.length} steps in ${Math.round(performance.now() - t0)} ms.`);
    console.log(`PNG of what the screen received while ringing: ${png}`);
  } finally {
    for (const k of kills.reverse()) await k();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
