/**
 * A press rings a SIPp home screen (SPEC section 4): the screen decodes our
 * video with openh264dec while it is still ringing (183), gets our audio
 * after it answers; busy and no-answer end the call as a user expects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../support/wait.js';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { startH264Receiver, type GstReceiver } from '../../support/gst-receiver.js';
import { freePort } from '../../support/ports.js';
import { ANSWERED_CALL, callStates, drainEvents, packetCounter } from '../../support/events.js';
import { expectScenarioEnded, hasSipp, startSipp, type RunningSipp } from '../../support/sipp.js';


describe.skipIf(!hasSipp)('door call to a SIPp home screen', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function door(screenPort: number | number[], ringTimeout = 3, mode = 'parallel'): Promise<RunningDaemon> {
    const rtp = await freeRtpRange(8);
    const targets = [screenPort].flat().map((p) => `"sip:screen@127.0.0.1:${p}"`);
    const d = await startDaemon(
      `[call]\ntargets = [${targets.join(', ')}]\nring_timeout = ${ringTimeout}\nmode = "${mode}"\n` + `[media]\nrtp_ports = "${rtp}"\n[log]\nlevel = "debug"\n`,
    );
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    return d;
  }

  function screen(name: string, port: number, keys: Record<string, number> = {}): RunningSipp {
    const s = startSipp(name, port, keys);
    cleanups.push(() => s.kill());
    return s;
  }

  it('shows the door on the ringing screen (decoded with openh264dec) before it answers, then talks', async () => {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const rx: GstReceiver = await startH264Receiver(videoPort!);
    cleanups.push(() => rx.kill());
    const audio = await packetCounter(audioPort!);
    cleanups.push(() => audio.socket.close());
    const sipPort = await freePort();
    const s = screen('screen-early-answer', sipPort, { videoport: videoPort!, audioport: audioPort! });
    const d = await door(sipPort, 20);

    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('early media', async () => (await converse(d.socket, 'call-status 1\n')).includes('LinphoneCallOutgoingEarlyMedia'));
    // The screen decodes while it still rings: the call is in early media.
    expect(await rx.waitFrames(3, 5000)).toBe(true);
    expect(await converse(d.socket, 'call-status 1\n')).toBe('Status: Ok\n\nState: LinphoneCallOutgoingEarlyMedia\nForks: 1\n\n');
    expect(audio.count()).toBe(0);

    await until('answer', async () => (await converse(d.socket, 'call-status\n')).includes('LinphoneCallStreamsRunning'), 10_000);
    await until('audio after the answer', () => audio.count() > 10, 5000);
    const status = await converse(d.socket, 'call-status\n');
    expect(status).toMatch(/^Status: Ok\n\nState: LinphoneCallStreamsRunning\nFrom: sip:screen@127\.0\.0\.1:\d+\nDirection: out\nDuration: \d+\nForks: 1\n\n$/);

    expect(await converse(d.socket, 'terminate\n')).toBe('Status: Ok\n\n');
    await expectScenarioEnded(s); // the screen got its BYE
    expect(callStates(await drainEvents(d))).toEqual(ANSWERED_CALL);
    // Video stops with the call.
    const frames = rx.frames();
    await new Promise((r) => setTimeout(r, 800));
    expect(rx.frames() - frames).toBeLessThan(3);
  });

  it('busy (486): the call ends in LinphoneCallError', async () => {
    const sipPort = await freePort();
    const s = screen('screen-busy', sipPort);
    const d = await door(sipPort);
    await converse(d.socket, 'ring\n');
    await expectScenarioEnded(s);
    await until('released', async () => (await converse(d.socket, 'call-status 1\n')).includes('No call with such id'));
    const states = callStates(await drainEvents(d));
    expect(states).toContain('LinphoneCallOutgoingRinging');
    expect(states.slice(-2)).toEqual(['LinphoneCallError', 'LinphoneCallReleased']);
    expect(d.output()).toMatch(/486 Busy Here/);
  });

  it('no answer: CANCEL after ring_timeout, the call ends', async () => {
    const sipPort = await freePort();
    const s = screen('screen-no-answer', sipPort);
    const d = await door(sipPort);
    await converse(d.socket, 'ring\n');
    await expectScenarioEnded(s); // CANCEL, 487, ACK all seen
    expect(callStates(await drainEvents(d)).slice(-2)).toEqual(['LinphoneCallEnd', 'LinphoneCallReleased']);
    expect(d.output()).toMatch(/no answer within 3 s/);
  });

  it('sequential mode: a busy first screen passes the call to the next one, which sees the door', async () => {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const rx = await startH264Receiver(videoPort!);
    cleanups.push(() => rx.kill());
    const [busyPort, nextPort] = [await freePort(), await freePort()];
    const busy = screen('screen-busy', busyPort);
    const next = screen('screen-early-answer', nextPort, { videoport: videoPort!, audioport: audioPort! });
    const d = await door([busyPort, nextPort], 20, 'sequential');
    await converse(d.socket, 'ring\n');
    await expectScenarioEnded(busy);
    expect(await rx.waitFrames(3, 8000)).toBe(true);
    await until('answer', async () => (await converse(d.socket, 'call-status 1\n')).includes('LinphoneCallStreamsRunning'), 10_000);
    await converse(d.socket, 'terminate 1\n');
    await expectScenarioEnded(next);
  });

  it('a second press while it rings does not start another call', async () => {
    const sipPort = await freePort();
    screen('screen-no-answer', sipPort);
    const d = await door(sipPort);
    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    expect(await converse(d.socket, 'press\nring\n')).toMatch(/Id: 1\n/);
    expect(d.output()).toMatch(/press ignored/);
  });
});
