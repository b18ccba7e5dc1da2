/**
 * A press rings several screens at once (SPEC section 4, "Outgoing call"):
 * through Kamailio forking a group alias to three SIPp screens, each with
 * its own openh264dec receiver; and the forking edge cases of RFC 3261
 * §9.1 and §13.2.2.4 against SIPp screens called directly (a 200 that
 * crosses our CANCEL; a second 200 from another fork).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../support/wait.js';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { startH264Receiver, type GstReceiver } from '../../support/gst-receiver.js';
import { hasBaresip, startBaresip } from '../../support/baresip.js';
import { hasKamailio, registerContact, startKamailio, type RunningKamailio } from '../../support/kamailio.js';
import { freePort } from '../../support/ports.js';
import { ANSWERED_CALL, callStates, drainEvents, packetCounter, type PacketCounter } from '../../support/events.js';
import { expectScenarioEnded, hasSipp, startSipp, type RunningSipp } from '../../support/sipp.js';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Frames a receiver decodes in `windowMs`, counted after `settleMs` so that
 * what was already in flight (socket buffer, jitter, decoder) has drained:
 * zero means the sender stopped, whatever its exact timing.
 */
async function framesLater(rx: GstReceiver[], settleMs = 600, windowMs = 1500): Promise<number[]> {
  await sleep(settleMs);
  const before = rx.map((r) => r.frames());
  await sleep(windowMs);
  return rx.map((r, i) => r.frames() - before[i]!);
}

interface Screen {
  sipp: RunningSipp;
  rx: GstReceiver;
  audio: PacketCounter;
  sipPort: number;
}

function useCleanups(): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

async function startDoor(cleanups: Array<() => unknown>, toml: string): Promise<RunningDaemon> {
  const rtp = await freeRtpRange(8);
  const d = await startDaemon(`${toml}[media]\nrtp_ports = "${rtp}"\n[log]\nlevel = "debug"\n`);
  cleanups.push(async () => {
    await d.stop();
    d.cleanup();
  });
  return d;
}

/** A SIPp screen with an H.264 decoder on its video port and a packet counter on its audio port. */
async function startScreen(cleanups: Array<() => unknown>, scenarioName: string): Promise<Screen> {
  const [videoPort, audioPort] = await freeUdpPorts(2);
  const rx = await startH264Receiver(videoPort!);
  cleanups.push(() => rx.kill());
  const audio = await packetCounter(audioPort!);
  cleanups.push(() => audio.socket.close());
  const sipPort = await freePort();
  const sipp = startSipp(scenarioName, sipPort, { videoport: videoPort!, audioport: audioPort! });
  cleanups.push(() => sipp.kill());
  return { sipp, rx, audio, sipPort };
}

describe.skipIf(!hasSipp || !hasKamailio)('door call forked by Kamailio to three screens', () => {
  const cleanups = useCleanups();

  async function house(screens: Screen[], extraMembers: string[] = []): Promise<{ k: RunningKamailio; door: RunningDaemon }> {
    const members = [...screens.map((_, i) => `screen${i + 1}`), ...extraMembers];
    const k = await startKamailio({ groups: { everyone: members }, openUsers: members });
    cleanups.push(() => k.stop());
    for (const [i, s] of screens.entries()) {
      expect(await registerContact(k, members[i]!, `sip:screen@127.0.0.1:${s.sipPort}`)).toBe(true);
    }
    const door = await startDoor(cleanups, `[account]\noutbound_proxy = "sip:127.0.0.1:${k.port}"\n[call]\ntargets = ["sip:everyone@myhouse"]\nring_timeout = 20\n`);
    return { k, door };
  }

  it('every ringing screen decodes the early video; the answer stops the others at once and Kamailio CANCELs them (487)', async () => {
    // screen1 answers 4 s after its 183 (and copies Record-Route: the dialog goes through Kamailio); the two others ring until cancelled.
    const winner = await startScreen(cleanups, 'screen-early-answer-rr');
    const losers = [await startScreen(cleanups, 'screen-early-cancelled'), await startScreen(cleanups, 'screen-early-cancelled')];
    const all = [winner, ...losers];
    const { door } = await house(all);

    expect(await converse(door.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    // Every screen decodes the door while the call still rings.
    for (const s of all) expect(await s.rx.waitFrames(3, 3500)).toBe(true);
    expect(await converse(door.socket, 'call-status 1\n')).toBe('Status: Ok\n\nState: LinphoneCallOutgoingEarlyMedia\nForks: 3\n\n');
    expect(all.map((s) => s.audio.count())).toEqual([0, 0, 0]);

    await until('answer', async () => (await converse(door.socket, 'call-status 1\n')).includes('LinphoneCallStreamsRunning'), 10_000);
    // Kamailio CANCELled both losers; each answered 487 and got its ACK (their scenarios end there).
    for (const s of losers) await expectScenarioEnded(s.sipp);
    const after = await framesLater(all.map((s) => s.rx));
    expect(after[0]).toBeGreaterThan(5); // the one who answered still sees the door
    expect(after.slice(1)).toEqual([0, 0]); // the others saw their last frame already
    const stats = await converse(door.socket, 'call-stats 1\n');
    expect(stats).toContain(`Video-destinations: 127.0.0.1:${winner.rx.port}\n`);
    await until('audio to the one who answered', () => winner.audio.count() > 10, 5000);
    expect(losers.map((s) => s.audio.count())).toEqual([0, 0]);

    expect(await converse(door.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    await expectScenarioEnded(winner.sipp); // BYE through the proxy's Record-Route
    expect(callStates(await drainEvents(door))).toEqual(ANSWERED_CALL);
  });

  it('a hang-up while the screens ring CANCELs every fork and their video stops', async () => {
    const screens = [await startScreen(cleanups, 'screen-early-cancelled'), await startScreen(cleanups, 'screen-early-cancelled')];
    const { door } = await house(screens);
    await converse(door.socket, 'ring\n');
    for (const s of screens) expect(await s.rx.waitFrames(3, 5000)).toBe(true);
    expect(await converse(door.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    for (const s of screens) await expectScenarioEnded(s.sipp);
    expect(await framesLater(screens.map((s) => s.rx))).toEqual([0, 0]);
    const events = callStates(await drainEvents(door));
    expect(events.slice(-2)).toEqual(['LinphoneCallEnd', 'LinphoneCallReleased']);
  });
});

describe.skipIf(!hasSipp || !hasKamailio || !hasBaresip)('door call forked by Kamailio to SIPp and a registered baresip', () => {
  const cleanups = useCleanups();

  it('baresip registers itself, rings with the SIPp screens, answers and talks; the SIPp screens are cancelled', async () => {
    const sippScreens = [await startScreen(cleanups, 'screen-early-cancelled'), await startScreen(cleanups, 'screen-early-cancelled')];
    const members = ['screen1', 'screen2', 'kitchen'];
    const k = await startKamailio({ groups: { everyone: members }, openUsers: members });
    cleanups.push(() => k.stop());
    for (const [i, s] of sippScreens.entries()) expect(await registerContact(k, members[i]!, `sip:screen@127.0.0.1:${s.sipPort}`)).toBe(true);
    const baresip = await startBaresip({ answerMode: 'early', user: 'kitchen', domain: 'myhouse', registrar: `sip:127.0.0.1:${k.port}` });
    cleanups.push(() => baresip.kill());
    expect(await baresip.waitFor(/200 OK|registered/i, 5000)).toBe(true);
    const door = await startDoor(cleanups, `[sip]\nlisten = ["udp:127.0.0.1:0"]\nidentity = "sip:door@127.0.0.1"\n[account]\noutbound_proxy = "sip:127.0.0.1:${k.port}"\n[call]\ntargets = ["sip:everyone@myhouse"]\nring_timeout = 20\n`);

    await converse(door.socket, 'ring\n');
    for (const s of sippScreens) expect(await s.rx.waitFrames(3, 5000)).toBe(true);
    await until('three early dialogs', async () => (await converse(door.socket, 'call-status 1\n')).includes('Forks: 3\n'), 5000);
    expect(await baresip.command('/accept')).toMatch(/accept/i);
    await until('answer', async () => (await converse(door.socket, 'call-status 1\n')).includes('LinphoneCallStreamsRunning'), 10_000);
    for (const s of sippScreens) await expectScenarioEnded(s.sipp); // CANCEL, 487, ACK
    expect(await framesLater(sippScreens.map((s) => s.rx))).toEqual([0, 0]);
    await until('audio both ways', async () => {
      const stats = await converse(door.socket, 'call-stats 1\n');
      return Number(/Audio-packets-received: (\d+)/.exec(stats)?.[1]) > 25 && Number(/Audio-packets-sent: (\d+)/.exec(stats)?.[1]) > 25;
    });
    expect(await converse(door.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    expect(await baresip.waitFor(/terminated \(duration/, 5000)).toBe(true); // our BYE reached it through Kamailio
    // baresip may send a 180 before the first 183 reaches us: Ringing then comes first, as in linphone.
    expect(callStates(await drainEvents(door)).filter((s) => s !== 'LinphoneCallOutgoingRinging')).toEqual(ANSWERED_CALL);
  });
});

describe.skipIf(!hasSipp)('forking edge cases against SIPp screens', () => {
  const cleanups = useCleanups();

  it('a 200 that crosses our CANCEL is ACKed and hung up with BYE; video stops', async () => {
    const screen = await startScreen(cleanups, 'screen-cancel-race');
    const door = await startDoor(cleanups, `[call]\ntargets = ["sip:screen@127.0.0.1:${screen.sipPort}"]\nring_timeout = 20\n`);
    await converse(door.socket, 'ring\n');
    expect(await screen.rx.waitFrames(3, 5000)).toBe(true);
    expect(await converse(door.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    // The scenario ends only after ACK for its 200 and a BYE.
    await expectScenarioEnded(screen.sipp);
    expect(door.output()).toMatch(/answered while cancelling; hung up/);
    expect(await framesLater([screen.rx])).toEqual([0]);
    expect(screen.audio.count()).toBe(0); // nobody talks into a call the door gave up
    const events = callStates(await drainEvents(door));
    expect(events.slice(-2)).toEqual(['LinphoneCallEnd', 'LinphoneCallReleased']);
    expect(events).not.toContain('LinphoneCallConnected');
  });

  it('a second 200 from another fork is ACKed and sent BYE; its video stops, the first keeps it', async () => {
    const [videoA, audioA, videoB, audioB] = await freeUdpPorts(4);
    const rxA = await startH264Receiver(videoA!);
    cleanups.push(() => rxA.kill());
    const rxB = await startH264Receiver(videoB!);
    cleanups.push(() => rxB.kill());
    const sipPort = await freePort();
    const sipp = startSipp('screen-two-answers', sipPort, { videoport: videoA!, audioport: audioA!, videoport2: videoB!, audioport2: audioB! });
    cleanups.push(() => sipp.kill());
    const door = await startDoor(cleanups, `[call]\ntargets = ["sip:screen@127.0.0.1:${sipPort}"]\nring_timeout = 20\n`);

    await converse(door.socket, 'ring\n');
    expect(await rxA.waitFrames(3, 2500)).toBe(true);
    expect(await rxB.waitFrames(3, 2500)).toBe(true);
    expect(await converse(door.socket, 'call-status 1\n')).toBe('Status: Ok\n\nState: LinphoneCallOutgoingEarlyMedia\nForks: 2\n\n');

    await until('the second answer hung up', () => /a second fork answered; hung up on it/.test(door.output()), 10_000);
    expect(await converse(door.socket, 'call-status 1\n')).toMatch(/^Status: Ok\n\nState: LinphoneCallStreamsRunning\nFrom: sip:screen@127\.0\.0\.1:\d+\n/);
    const [a, b] = await framesLater([rxA, rxB]);
    expect(b).toBe(0);
    expect(a).toBeGreaterThan(5);
    expect(await converse(door.socket, 'call-stats 1\n')).toContain(`Video-destinations: 127.0.0.1:${videoA}\n`);

    expect(await converse(door.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    // ACK, ACK, BYE to forkB (checked by the scenario), then our BYE to forkA.
    await expectScenarioEnded(sipp);
    expect(callStates(await drainEvents(door))).toEqual(ANSWERED_CALL);
  });
});
