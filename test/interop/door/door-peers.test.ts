/**
 * Real home screens answer the door (SPEC section 4): baresip and
 * linphone-daemon, called directly by IP, ring with early media (183 with
 * SDP), answer, and audio RTP flows both ways — counted on our side by
 * `call-stats` and on theirs by their own RTP statistics — then the door
 * hangs up with BYE.
 *
 * Video to real screens needs their H.264 decoders: baresip's avcodec
 * (Debian baresip-ffmpeg, with the fakevideo display the helper loads) and
 * linphone's msopenh264 (mediastreamer2-plugin-openh264); without them they
 * answer m=video 0. Early video decoded by both through a forking
 * registrar is door-real-screens.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.js';
import { until } from '../../support/wait.js';
import { converse, type RunningDaemon } from '../../support/daemon.js';
import { startDaemonCleanedBy } from '../../support/watched-daemon.js';
import { freeRtpRange } from '../../support/gst-ports.js';
import { baresipDecodesH264, hasBaresip, startBaresip } from '../../support/baresip.js';
import { hasLinphone, LINPHONE_SPEECH, linphoneDecodesH264, startLinphone } from '../../support/linphone.js';

function statsOf(reply: string): Record<string, string> {
  return Object.fromEntries([...reply.matchAll(/^([\w-]+): (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('door calls answered by real home screens', () => {
  const cleanups = useCleanups();

  async function door(target: string): Promise<RunningDaemon> {
    const rtp = await freeRtpRange(8);
    // liblinphone picks its media address by the route toward our identity's host: keep that host on loopback.
    return startDaemonCleanedBy(cleanups, `[sip]\nlisten = ["udp:127.0.0.1:0"]\nidentity = "sip:door@127.0.0.1"\n[call]\ntargets = ["${target}"]\nring_timeout = 20\n[media]\nrtp_ports = "${rtp}"\naudio_codecs = ["opus", "PCMU", "PCMA"]\n[log]\nlevel = "debug"\n`);
  }

  const state = async (d: RunningDaemon) => (await converse(d.socket, 'call-status 1\n', { quietMs: 300 })).match(/State: (\S+)/)?.[1];
  const stats = async (d: RunningDaemon) => statsOf(await converse(d.socket, 'call-stats 1\n', { quietMs: 300 }));

  it.skipIf(!hasBaresip)('baresip (answermode=early): 183, then /accept, two-way audio, BYE', async () => {
    const screen = await startBaresip({ answerMode: 'early' });
    cleanups.push(() => screen.kill());
    const d = await door(screen.uri);

    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('early media', async () => (await state(d)) === 'LinphoneCallOutgoingEarlyMedia', 10_000);
    if (baresipDecodesH264) await until('early video at baresip', async () => (await stats(d))['Video-destinations'] !== 'none', 5000);
    expect(await screen.command('/accept')).toMatch(/accept/i);
    await until('answered', async () => (await state(d)) === 'LinphoneCallStreamsRunning', 10_000);
    await until('audio both ways at the door', async () => {
      const s = await stats(d);
      return Number(s['Audio-packets-received']) > 50 && Number(s['Audio-packets-sent']) > 50;
    });
    expect((await stats(d))['Audio-codec']).toBe('PCMU'); // what the screen's account allows

    expect(await converse(d.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    expect(await screen.waitFor(/terminated \(duration/, 5000)).toBe(true);
    expect(await screen.waitFor(/packets:\s+\d+\s+\d+/, 5000)).toBe(true);
    const theirs = screen.audioPackets()!;
    expect(theirs.sent).toBeGreaterThan(50);
    expect(theirs.received).toBeGreaterThan(50);
  });

  it.skipIf(!hasLinphone)('linphone-daemon (early media on): 183, then answer, two-way audio, BYE', async () => {
    const screen = await startLinphone();
    cleanups.push(() => screen.kill());
    const d = await door(screen.uri);

    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('early media', async () => (await state(d)) === 'LinphoneCallOutgoingEarlyMedia', 10_000);
    expect(await screen.command('call-status')).toContain('State: LinphoneCallIncomingEarlyMedia');
    if (linphoneDecodesH264) await until('early video at linphone', async () => (await stats(d))['Video-destinations'] !== 'none', 5000);
    expect(await screen.command('answer')).toContain('Status: Ok');
    await until('answered', async () => (await state(d)) === 'LinphoneCallStreamsRunning', 10_000);
    // liblinphone sends no audio RTP unless something plays (LAB.md).
    await until('linphone plays', async () => (await screen.command(`incall-player-start ${LINPHONE_SPEECH}`)).includes('Status: Ok'), 5000);
    await until('audio both ways at the door', async () => {
      const s = await stats(d);
      return Number(s['Audio-packets-received']) > 50 && Number(s['Audio-packets-sent']) > 50;
    });

    expect(await converse(d.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    expect(await screen.waitLog(/AUDIO SESSION'S RTP STATISTICS[\s\S]*received\s+\d+ packets/, 5000)).toBe(true);
    const theirs = screen.audioPackets()!;
    expect(theirs.sent).toBeGreaterThan(50);
    expect(theirs.received).toBeGreaterThan(50);
    await until('linphone ends the call', async () => !(await screen.command('call-status')).includes('State:'), 5000);
  });
});
