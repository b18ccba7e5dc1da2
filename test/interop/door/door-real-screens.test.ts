/**
 * The seed setup with the real screens (issue 13): a door configured with
 * only a registrar (Kamailio, the Flexisip stand-in) rings
 * `everyone@myhouse`, which Kamailio forks to a real baresip (registered
 * itself, H.264 through baresip-ffmpeg's avcodec, a fakevideo display)
 * and a real linphone-daemon (H.264 through mediastreamer2-plugin-openh264).
 * Both decode the door's early video before anyone answers: linphone logs
 * its first decoded frame, baresip's /snapshot_recv saves a 640x480
 * picture with real content. Whichever answers opens the door with its own
 * DTMF (baresip /sndcode, linphone `dtmf`); the other is cancelled.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.js';
import { baresipDecodesH264, hasBaresip, startBaresip, type RunningBaresip } from '../../support/baresip.js';
import { converse, tempDir, type RunningDaemon } from '../../support/daemon.js';
import { drainEvents } from '../../support/events.js';
import { startDoor } from '../../support/house.js';
import { hasKamailio, registerContact, startKamailio } from '../../support/kamailio.js';
import { hasLinphone, startLinphone, type RunningLinphone } from '../../support/linphone.js';
import { pngSummary } from '../../support/png.js';
import { until } from '../../support/wait.js';

const linphoneDecodesH264 = existsSync(`/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/mediastreamer/plugins/libmsopenh264.so`);
const CODE = '1234';

describe.skipIf(!hasKamailio || !hasBaresip || !hasLinphone || !baresipDecodesH264 || !linphoneDecodesH264)('real baresip and linphone screens behind a forking registrar', () => {
  const cleanups = useCleanups();

  async function house(): Promise<{ door: RunningDaemon; baresip: RunningBaresip; linphone: RunningLinphone; snapshot: string }> {
    const k = await startKamailio({ users: { door: 'screens-pw' }, groups: { everyone: ['kitchen', 'hall'] }, openUsers: ['kitchen', 'hall'] });
    cleanups.push(() => k.stop());
    const baresip = await startBaresip({ answerMode: 'early', user: 'kitchen', domain: 'myhouse', registrar: `sip:127.0.0.1:${k.port}` });
    cleanups.push(() => baresip.kill());
    expect(await baresip.waitFor(/200 OK|registered/i, 5000)).toBe(true);
    const linphone = await startLinphone();
    cleanups.push(() => linphone.kill());
    expect(await registerContact(k, 'hall', linphone.uri)).toBe(true);
    const dir = tempDir('doorstation-snap-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const snapshot = join(dir, 'early.png');
    expect(await baresip.command(`/snapshot_recv ${snapshot}`)).toBeTruthy();
    // Only a registrar: the call goes through it like a registered phone's. The identity's host stays on loopback for liblinphone (door-peers).
    const door = await startDoor(
      cleanups,
      `[sip]\nlisten = ["udp:127.0.0.1:0"]\nidentity = "sip:door@127.0.0.1"\n[account]\nregistrar = "sip:127.0.0.1:${k.port}"\npassword = "screens-pw"\nexpires = 60\n` +
        `[call]\ntargets = ["sip:everyone@myhouse"]\nring_timeout = 30\nearly_media = "video"\n` +
        `[door]\nopen_code = "${CODE}"\nallowed = ["sip:everyone@myhouse"]\n`,
    );
    await until('door registered', async () => (await converse(door.socket, 'register-status 1\n')).includes('LinphoneRegistrationOk') || undefined);
    return { door, baresip, linphone, snapshot };
  }

  async function bothSeeTheDoor(h: Awaited<ReturnType<typeof house>>): Promise<void> {
    expect(await converse(h.door.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    expect(await h.linphone.waitLog(/First video frame decoded successfully/, 20_000)).toBe(true);
    await until('baresip saved the first frame it decoded', () => existsSync(h.snapshot) || undefined, 20_000);
    await new Promise((r) => setTimeout(r, 300)); // the file is written as it appears
    const png = pngSummary(h.snapshot);
    expect([png.width, png.height]).toEqual([640, 480]);
    expect(png.distinctBytes).toBeGreaterThan(64); // the test pattern, not a blank frame
    expect(await converse(h.door.socket, 'call-status 1\n')).toContain('State: LinphoneCallOutgoingEarlyMedia');
  }

  /** The loser's video stopped at the answer: the door sends to one screen only. */
  async function onlyOneVideoDestination(door: RunningDaemon): Promise<void> {
    expect(await converse(door.socket, 'call-stats 1\n')).toMatch(/^Video-destinations: 127\.0\.0\.1:\d+$/m);
  }

  async function opened(door: RunningDaemon): Promise<void> {
    await until('door-opened', () => /gpio\.sim: sim: gpio27 = 1/.test(door.output()) || undefined, 15_000);
    expect(await converse(door.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    const events = (await drainEvents(door)).filter((e) => e.type.startsWith('door-'));
    expect(events[0]).toMatchObject({ type: 'door-opened', fields: { Method: 'dtmf' } });
  }

  it('both decode the early video; baresip answers and opens with /sndcode; linphone is cancelled', { timeout: 90_000 }, async () => {
    const h = await house();
    await bothSeeTheDoor(h);
    expect(await h.baresip.command('/accept')).toMatch(/accept/i);
    await until('answered', async () => (await converse(h.door.socket, 'call-status 1\n')).includes('LinphoneCallStreamsRunning') || undefined, 10_000);
    await until('linphone cancelled', async () => !(await h.linphone.command('call-status')).includes('State:') || undefined, 10_000);
    await onlyOneVideoDestination(h.door);
    expect(await h.baresip.command(`/sndcode ${CODE}`)).toBeDefined();
    await opened(h.door);
  });

  it('both decode the early video; linphone answers and opens with dtmf; baresip is cancelled', { timeout: 90_000 }, async () => {
    const h = await house();
    await bothSeeTheDoor(h);
    expect(await h.linphone.command('answer')).toContain('Status: Ok');
    await until('answered', async () => (await converse(h.door.socket, 'call-status 1\n')).includes('LinphoneCallStreamsRunning') || undefined, 10_000);
    // re reports the CANCEL (487) it answered as a closed session.
    expect(await h.baresip.waitFor(/session closed/, 10_000)).toBe(true);
    await onlyOneVideoDestination(h.door);
    for (const digit of CODE) {
      expect(await h.linphone.command(`dtmf ${digit}`)).toContain('Status: Ok');
      await new Promise((r) => setTimeout(r, 250)); // one key after the other, as fingers do
    }
    await opened(h.door);
  });
});
