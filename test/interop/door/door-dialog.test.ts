/**
 * What happens inside an answered (or early) door call, against SIPp home
 * screens (SPEC section 4, "Outgoing call"): a reliable 183 is PRACKed
 * once (RFC 3262); hold and resume by re-INVITE and UPDATE are answered
 * and the door's audio and video follow them (RFC 3264 §8, RFC 3311);
 * `[call] max_duration` hangs up; a BYE from the screen ends the call and
 * its media at once; a request for a dialog the door does not have gets
 * 481 (RFC 3261 §12.2.2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../support/wait.js';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { startH264Receiver, type GstReceiver } from '../../support/gst-receiver.js';
import { freePort } from '../../support/ports.js';
import { ANSWERED_CALL, callStates, drainEvents, packetCounter, type PacketCounter } from '../../support/events.js';
import { expectScenarioEnded, hasSipp, startSipp, type RunningSipp } from '../../support/sipp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Whether `count` stays still for a whole `windowMs` (after `settleMs` for
 * what was already in flight), trying again until `withinMs`: the sender
 * stopped, whatever its exact timing.
 */
async function goesQuiet(count: () => number, withinMs = 8000, windowMs = 1500, settleMs = 500): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  await sleep(settleMs);
  while (Date.now() < deadline) {
    const before = count();
    await sleep(windowMs);
    if (count() === before) return true;
  }
  return false;
}

/** Whether `count` grows by `n` within `withinMs`. */
async function flows(count: () => number, n = 10, withinMs = 8000): Promise<boolean> {
  const start = count();
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (count() - start >= n) return true;
    await sleep(100);
  }
  return false;
}

interface Screen {
  sipp: RunningSipp;
  rx: GstReceiver;
  audio: PacketCounter;
  sipPort: number;
}

describe.skipIf(!hasSipp)('inside a door call, against SIPp home screens', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function door(screenPort: number, callToml = ''): Promise<RunningDaemon> {
    const rtp = await freeRtpRange(8);
    const d = await startDaemon(
      `[call]\ntargets = ["sip:screen@127.0.0.1:${screenPort}"]\nring_timeout = 20\n${callToml}[media]\nrtp_ports = "${rtp}"\n[log]\nlevel = "debug"\n`,
      { timeoutMs: 180_000 },
    );
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    return d;
  }

  /** A SIPp screen with an openh264dec receiver on its video port and a packet counter on its audio port. */
  async function screen(name: string, lifetimeMs = 60_000): Promise<Screen> {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const rx = await startH264Receiver(videoPort!, { lifetimeMs: lifetimeMs + 30_000 });
    cleanups.push(() => rx.kill());
    const audio = await packetCounter(audioPort!);
    cleanups.push(() => audio.socket.close());
    const sipPort = await freePort();
    const sipp = startSipp(name, sipPort, { videoport: videoPort!, audioport: audioPort! }, lifetimeMs);
    cleanups.push(() => sipp.kill());
    return { sipp, rx, audio, sipPort };
  }

  const status = (d: RunningDaemon) => converse(d.socket, 'call-status 1\n');
  /** Waits for `state`; a failure shows what the door logged and what the screen saw. */
  async function reached(d: RunningDaemon, state: string, s?: Screen, ms = 20_000): Promise<void> {
    try {
      await until(state, async () => (await status(d)).includes(state), ms);
    } catch (e) {
      throw new Error(`${String(e)}\n--- door ---\n${d.output().slice(-4000)}\n--- screen ---\n${s?.sipp.output().slice(-6000) ?? ''}`);
    }
  }

  it('PRACKs a reliable 183 once, retransmission and all, and the screen still sees the door before and after it answers', async () => {
    const s = await screen('screen-100rel');
    const d = await door(s.sipPort);
    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');

    // Early video despite the PRACK exchange, while the screen still rings.
    expect(await s.rx.waitFrames(3, 8000)).toBe(true);
    expect(await status(d)).toBe('Status: Ok\n\nState: LinphoneCallOutgoingEarlyMedia\nForks: 1\n\n');
    await reached(d, 'LinphoneCallStreamsRunning', s);
    // The 200 carried no SDP: the reliable 183's answer is the one (RFC 3262 §5), so video goes on and audio starts.
    expect(await flows(() => s.rx.frames(), 5)).toBe(true);
    expect(await flows(() => s.audio.count())).toBe(true);

    expect(await converse(d.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    // The scenario fails on a missing PRACK, a wrong RAck, or a second PRACK for the retransmitted 183.
    await expectScenarioEnded(s.sipp);
    // The retransmission was not a second early dialog or a second early-media start.
    expect(d.output().match(/early video to /g)).toHaveLength(1);
    expect(callStates(await drainEvents(d))).toEqual(ANSWERED_CALL);
  }, 90_000);

  it('follows hold and resume by re-INVITE and UPDATE, answers an offerless re-INVITE, and stops when the screen hangs up', async () => {
    const s = await screen('screen-hold', 120_000);
    const d = await door(s.sipPort);
    await converse(d.socket, 'ring\n');
    await reached(d, 'LinphoneCallStreamsRunning', s);
    expect(await flows(() => s.audio.count())).toBe(true);

    // re-INVITE, audio a=sendonly: the door answers recvonly and stops its audio; video (still recvonly at the screen) goes on.
    await reached(d, 'LinphoneCallPausedByRemote', s);
    expect(await goesQuiet(() => s.audio.count())).toBe(true);
    expect(await flows(() => s.rx.frames(), 5)).toBe(true);

    // re-INVITE sendrecv: audio again.
    await reached(d, 'LinphoneCallStreamsRunning', s);
    expect(await flows(() => s.audio.count())).toBe(true);

    // UPDATE with audio and video a=inactive: nothing goes to the screen.
    await reached(d, 'LinphoneCallPausedByRemote', s);
    expect(await goesQuiet(() => s.audio.count())).toBe(true);
    expect(await goesQuiet(() => s.rx.frames())).toBe(true);

    // UPDATE sendrecv: both back (video from a key frame, so it decodes at once).
    await reached(d, 'LinphoneCallStreamsRunning', s);
    expect(await flows(() => s.audio.count())).toBe(true);
    expect(await flows(() => s.rx.frames(), 5)).toBe(true);

    // The offerless re-INVITE and the screen's BYE end the scenario; the scenario checked each answer's direction.
    await expectScenarioEnded(s.sipp);
    await until('released', async () => (await status(d)).includes('No call with such id'));
    expect(await goesQuiet(() => s.audio.count())).toBe(true);
    expect(await goesQuiet(() => s.rx.frames())).toBe(true);

    // RFC 3264 §8: one o= session id for the whole call, the version one up with each new SDP of ours.
    const origins = [...s.sipp.trace().matchAll(/^o=doorstation (\d+) (\d+) /gm)].map((m) => [m[1]!, Number(m[2])] as const);
    const versions = origins.map(([, v]) => v).filter((v, i, all) => i === 0 || v !== all[i - 1]); // a 2xx retransmission repeats its SDP
    expect(new Set(origins.map(([id]) => id)).size).toBe(1);
    expect(versions).toEqual([1, 2, 3, 4, 5, 6]);

    expect(callStates(await drainEvents(d))).toEqual([
      'LinphoneCallOutgoingInit',
      'LinphoneCallOutgoingProgress',
      'LinphoneCallOutgoingEarlyMedia',
      'LinphoneCallConnected',
      'LinphoneCallStreamsRunning',
      'LinphoneCallPausedByRemote',
      'LinphoneCallStreamsRunning',
      'LinphoneCallPausedByRemote',
      'LinphoneCallStreamsRunning',
      'LinphoneCallEnd',
      'LinphoneCallReleased',
    ]);
    expect(d.output()).toMatch(/call 1: .* hung up/);
  }, 150_000);

  it('hangs up when [call] max_duration elapses: BYE, the call ends, the log says why', async () => {
    const s = await screen('screen-early-answer');
    const d = await door(s.sipPort, 'max_duration = 2\n');
    await converse(d.socket, 'ring\n');
    await reached(d, 'LinphoneCallStreamsRunning', s);
    // The scenario waits for the door's BYE after its 200: nobody else hangs up.
    await expectScenarioEnded(s.sipp);
    expect(callStates(await drainEvents(d)).slice(-2)).toEqual(['LinphoneCallEnd', 'LinphoneCallReleased']);
    expect(d.output()).toMatch(/call 1: max_duration \(2 s\) reached; hanging up/);
    expect(await goesQuiet(() => s.audio.count())).toBe(true);
    expect(await goesQuiet(() => s.rx.frames())).toBe(true);
  }, 90_000);

  it('a BYE from the screen is answered 200 and stops video and audio at once', async () => {
    const s = await screen('screen-hangs-up');
    const d = await door(s.sipPort);
    await converse(d.socket, 'ring\n');
    await reached(d, 'LinphoneCallStreamsRunning', s);
    expect(await flows(() => s.audio.count())).toBe(true);
    expect(await flows(() => s.rx.frames(), 5)).toBe(true);
    await expectScenarioEnded(s.sipp); // its BYE got a 200
    await until('released', async () => (await status(d)).includes('No call with such id'));
    expect(await goesQuiet(() => s.audio.count())).toBe(true);
    expect(await goesQuiet(() => s.rx.frames())).toBe(true);
    expect(callStates(await drainEvents(d)).slice(-2)).toEqual(['LinphoneCallEnd', 'LinphoneCallReleased']);
    expect(d.output()).toMatch(/call 1: sip:screen@127\.0\.0\.1:\d+ hung up/);
  }, 90_000);

  it('answers 481 to BYE, INFO, UPDATE and re-INVITE for a dialog it does not have, and goes on', async () => {
    const doorPort = await freePort();
    const d = await startDaemon(`[sip]\nlisten = ["udp:127.0.0.1:${doorPort}"]\nidentity = "sip:door@127.0.0.1"\n[log]\nlevel = "debug"\n`);
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    const s = startSipp('door-stray-requests', await freePort(), {}, { remote: `127.0.0.1:${doorPort}`, lifetimeMs: 30_000 });
    cleanups.push(() => s.kill());
    await expectScenarioEnded(s);
    expect(await converse(d.socket, 'call-status\n')).toMatch(/^Status: Error/);
    expect(await drainEvents(d)).toEqual([]);
  }, 60_000);
});
