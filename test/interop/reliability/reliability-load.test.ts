/**
 * Load that a door meets in real life: a visitor hammering the button, many
 * scripts on the control socket at once. At most one call at a time, every
 * command answered, the daemon still up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { converse, splitReplies, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { freePort } from '../../support/ports.js';
import { until } from '../../support/wait.js';
import { answeredCallCycle, processSample } from '../../support/call-cycle.js';
import { packetCounter } from '../../support/events.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { expectScenarioEnded, hasSipp, startSipp } from '../../support/sipp.js';

/** A screen that rings for ever: 180 to every INVITE, and counts calls by Call-ID. */
async function ringingScreen(port: number): Promise<{ socket: Socket; calls: Set<string> }> {
  const calls = new Set<string>();
  const socket = createSocket('udp4');
  socket.on('message', (m, rinfo) => {
    const text = m.toString();
    if (!text.startsWith('INVITE ')) return;
    const header = (name: string) => new RegExp(`^${name}:.*$`, 'mi').exec(text)?.[0] ?? '';
    calls.add(header('Call-ID'));
    const reply = ['SIP/2.0 180 Ringing', ...text.split('\r\n').filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l)), `${header('To')};tag=screen`, 'Content-Length: 0', '', ''].join('\r\n');
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(port, '127.0.0.1', () => r()));
  return { socket, calls };
}

describe('load', () => {
  let d: RunningDaemon;
  let screen: Awaited<ReturnType<typeof ringingScreen>>;
  beforeAll(async () => {
    const port = await freePort();
    screen = await ringingScreen(port);
    d = await startDaemon(`[call]\ntargets = ["sip:screen@127.0.0.1:${port}"]\nring_timeout = 60\n[media]\nrtp_ports = "${await freeRtpRange(8)}"\n`);
  });
  afterAll(async () => {
    expect(await d.stop()).toBe(0);
    d.cleanup();
    screen.socket.close();
  });

  it('1,000 presses in a burst make one call, and every press is answered with its id', async () => {
    const replies = splitReplies(await converse(d.socket, 'ring\n'.repeat(1000), { quietMs: 3000 }));
    expect(replies).toHaveLength(1000);
    expect(new Set(replies)).toEqual(new Set(['Status: Ok\n\nId: 1\n\n']));
    await until('the INVITE', () => screen.calls.size > 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(screen.calls.size).toBe(1);
    expect(await converse(d.socket, 'call-status\n')).toContain('State: LinphoneCallOutgoingRinging');
  });

  it('100 control clients at once are all answered', async () => {
    const outs = await Promise.all(Array.from({ length: 100 }, () => converse(d.socket, 'version\ncall-status\n', { quietMs: 5000 })));
    for (const o of outs) expect(splitReplies(o)).toHaveLength(2);
    expect(d.proc.exitCode).toBeNull();
  });

  it('hanging up and pressing again makes the next call', async () => {
    expect(await converse(d.socket, 'terminate\n')).toBe('Status: Ok\n\n');
    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 2\n\n');
    await until('second INVITE', () => screen.calls.size === 2);
  });
});

describe.skipIf(!hasSipp)('soak', () => {
  // The full figure (2,000 calls, RSS over time) is bench/call-soak.ts; here a
  // shorter run proves every call completes and no descriptor leaks per call.
  const CALLS = 100;

  it(`${CALLS} answered calls in a row against one SIPp screen: all answered and released, descriptors flat`, async () => {
    const [videoport, audioport] = await freeUdpPorts(2);
    const video = await packetCounter(videoport!);
    const audio = await packetCounter(audioport!);
    const sipPort = await freePort();
    const screen = startSipp('screen-answer-soak', sipPort, { videoport: videoport!, audioport: audioport! }, { calls: CALLS, lifetimeMs: 300_000 });
    const d = await startDaemon(`[call]\ntargets = ["sip:screen@127.0.0.1:${sipPort}"]\nring_timeout = 10\n[media]\nrtp_ports = "${await freeRtpRange(8)}"\n`);
    try {
      let completed = 0;
      let warm = processSample(d.proc.pid!);
      for (let i = 1; i <= CALLS; i++) {
        if (await answeredCallCycle(d.socket, 60)) completed++;
        if (i === 10) warm = processSample(d.proc.pid!);
      }
      const end = processSample(d.proc.pid!);
      console.log(JSON.stringify({ soak: CALLS, completed, afterWarmup: warm, end, packetsToScreen: { video: video.count(), audio: audio.count() } }));
      expect(completed).toBe(CALLS);
      await expectScenarioEnded(screen);
      expect(end.fds).toBeLessThanOrEqual(warm.fds + 2);
      expect(audio.count()).toBeGreaterThan(0);
    } finally {
      screen.kill();
      video.socket.close();
      audio.socket.close();
      expect(await d.stop()).toBe(0);
      d.cleanup();
    }
  }, 300_000);
});
