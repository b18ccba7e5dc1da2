/**
 * Media faults through the built daemon and the real GStreamer engine,
 * with a SIPp home screen and an openh264dec receiver at its video port:
 * a camera missing at start, a camera that comes back, a camera that ends
 * mid-call, a sound card that does not exist. Each time the daemon stays
 * up, says so (a log line, a `media-error` event, `call-stats`), the call
 * goes on with what still works, and the failed part is retried with
 * backoff. (media-video.test.ts covers the engine alone.) Times are
 * printed for RELIABILITY.md, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gstAvailable } from '../../../src/media/gst/gst.js';
import { converse, tempDir, type RunningDaemon } from '../../support/daemon.js';
import { startWatchedDaemon } from '../../support/watched-daemon.js';
import { packetCounter } from '../../support/events.js';
import { type EventWatch, type TimedEvent } from '../../support/events.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { startH264Receiver, type GstReceiver } from '../../support/gst-receiver.js';
import { freePort } from '../../support/ports.js';
import { expectScenarioEnded, hasSipp, startSipp, type RunningSipp } from '../../support/sipp.js';
import { until } from '../../support/wait.js';

const cleanups: Array<() => unknown> = [];
/** Debian ships alsasrc/alsasink apart from plugins-base (gstreamer1.0-alsa); a Pi image has it, a CI box may not. */
const hasAlsaPlugin = spawnSync('gst-inspect-1.0', ['alsasrc']).status === 0;
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const isVideoError = (e: TimedEvent) => e.type === 'media-error' && e.fields.Component === 'video';
const isAudioError = (e: TimedEvent) => e.type === 'media-error' && e.fields.Component === 'audio';
const recovered = (component: string) => (e: TimedEvent) => e.type === 'media-recovered' && e.fields.Component === component;
const stat = (text: string, key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(text)?.[1];

interface Screen {
  sipp: RunningSipp;
  video: GstReceiver;
  audio: Awaited<ReturnType<typeof packetCounter>>;
  sipPort: number;
}

/** A SIPp screen that shows early media, answers 4 s after its 183 and waits for BYE; a decoder and a packet counter at its ports. */
async function screen(): Promise<Screen> {
  const [videoPort, audioPort] = await freeUdpPorts(2);
  const video = await startH264Receiver(videoPort!, { lifetimeMs: 120_000 });
  cleanups.push(() => video.kill());
  const audio = await packetCounter(audioPort!);
  cleanups.push(() => audio.socket.close());
  const sipPort = await freePort();
  const sipp = startSipp('screen-early-answer', sipPort, { videoport: videoPort!, audioport: audioPort! }, 90_000);
  cleanups.push(() => sipp.kill());
  return { sipp, video, audio, sipPort };
}

async function door(media: string, screenPort = 9): Promise<{ d: RunningDaemon; watch: EventWatch }> {
  const rtp = await freeRtpRange(8);
  const { d, watch } = await startWatchedDaemon(
    cleanups,
    `[call]\ntargets = ["sip:screen@127.0.0.1:${screenPort}"]\nring_timeout = 20\n` +
      `[media]\nrtp_ports = "${rtp}"\nwidth = 320\nheight = 240\nframerate = 15\nvideo_bitrate = 300\n${media}\n`,
    { timeoutMs: 150_000 },
  );
  return { d, watch };
}

async function answered(d: RunningDaemon): Promise<void> {
  expect(await converse(d.socket, 'ring\n')).toMatch(/^Status: Ok\n\nId: \d+/);
  await until('the screen to answer', async () => (await converse(d.socket, 'call-status\n')).includes('LinphoneCallStreamsRunning'), 30_000);
}

async function hangUp(d: RunningDaemon, s: Screen): Promise<void> {
  expect(await converse(d.socket, 'terminate\n')).toBe('Status: Ok\n\n');
  await expectScenarioEnded(s.sipp);
}

describe.skipIf(!gstAvailable() || !hasSipp)('media faults through the daemon', () => {
  it('camera missing at start: reported and retried with growing backoff; a call goes on audio-only', async () => {
    const s = await screen();
    const { d, watch } = await door('video_source = "v4l2:/dev/video99"', s.sipPort);
    // Three failures in a row, each retried later than the one before.
    await until('three camera failures', () => watch.events.filter(isVideoError).length >= 3, 30_000);
    const retries = watch.events.filter(isVideoError).map((e) => Number(e.fields['Retry-in-ms']));
    for (let i = 1; i < retries.length; i++) expect(retries[i]).toBeGreaterThan(retries[i - 1]!);
    expect(d.output()).toMatch(/video: .*retrying in \d+ ms/);

    await answered(d);
    await until('audio at the screen', () => s.audio.count() > 20, 15_000);
    const stats = await converse(d.socket, 'call-stats\n');
    expect(stat(stats, 'Video-playing')).toBe('no');
    expect(Number(stat(stats, 'Video-failures'))).toBeGreaterThan(0);
    expect(stat(stats, 'Audio-playing')).toBe('yes');
    expect(s.video.frames()).toBe(0);
    await hangUp(d, s);
    expect(d.proc.exitCode).toBeNull();
    console.log(
      `[media] camera missing at start: ${retries.length} video media-error events, retry delays ${retries.join(', ')} ms; ` +
        `call answered, ${s.audio.count()} audio packets at the screen, 0 video frames; daemon up`,
    );
  }, 120_000);

  it('camera that comes back: the next retry picks it up; snapshot works again', async () => {
    const dir = tempDir('camera-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'camera.jpg');
    // A "camera" that is a still picture: missing until the file exists (filesrc fails at start), live once it does.
    const cam = await door(`video_source = "filesrc location=${file} ! jpegdec ! imagefreeze is-live=true"\npreroll = true\npicture_dir = "${join(dir, 'pictures')}"`);
    await until('two camera failures', () => cam.watch.events.filter(isVideoError).length >= 2, 30_000);
    expect(await converse(cam.d.socket, 'snapshot before.jpg\n', { quietMs: 6000 })).toMatch(/^Status: Error\nReason: Snapshot failed/);
    const made = spawnSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=1', '!', 'video/x-raw,width=320,height=240', '!', 'jpegenc', '!', 'filesink', `location=${file}`], { timeout: 20_000 });
    expect(made.status, made.stderr?.toString()).toBe(0);
    const back = Date.now();
    const lastRetry = Number(cam.watch.events.filter(isVideoError).at(-1)!.fields['Retry-in-ms']);
    const ok = await cam.watch.next(recovered('video'), 60_000);
    expect(ok, cam.d.output().slice(-3000)).toBeDefined();
    expect(await converse(cam.d.socket, 'snapshot after.jpg\n', { quietMs: 6000 })).toBe(`Status: Ok\n\nPath: ${join(dir, 'pictures', 'after.jpg')}\n\n`);
    expect(cam.d.output()).toMatch(/video: running again/);
    console.log(
      `[media] camera back: media-recovered ${ok!.at - back} ms after the source reappeared (the pending retry was due within ${lastRetry} ms of the last failure); snapshot works again`,
    );
  }, 120_000);

  it('camera that ends mid-call: restarted, the screen decodes again, the call and its audio go on', async () => {
    const s = await screen();
    // 75 frames at 15 fps: the "camera" goes away 5 s after each start.
    const { d, watch } = await door('video_source = "videotestsrc is-live=true num-buffers=75"\npreroll = true', s.sipPort);
    await answered(d);
    const since = watch.events.length;
    const fault = await watch.next(isVideoError, 30_000, since);
    expect(fault, d.output().slice(-3000)).toBeDefined();
    // EOS itself, or (the newest-frame funnel holds EOS back) the watchdog that sees no camera frame.
    expect(fault!.fields.Reason).toMatch(/^end of stream$|^no camera frame/);
    const back = await watch.next(recovered('video'), 60_000, since);
    expect(back, d.output().slice(-3000)).toBeDefined();
    const framesAtRecovery = s.video.frames();
    const frameAfter = await until('a decoded frame after the restart', () => (s.video.frames() > framesAtRecovery ? Date.now() : false), 15_000);
    expect((await converse(d.socket, 'call-status\n'))).toMatch(/State: LinphoneCallStreamsRunning/);
    const audioBefore = s.audio.count();
    await until('audio still flowing', () => s.audio.count() > audioBefore + 10, 10_000);
    const stats = await converse(d.socket, 'call-stats\n');
    expect(Number(stat(stats, 'Video-failures'))).toBeGreaterThan(0);
    await hangUp(d, s);
    console.log(
      `[media] camera ended mid-call (attempt ${fault!.fields.Attempt}, retry in ${fault!.fields['Retry-in-ms']} ms): ` +
        `media-recovered after ${back!.at - fault!.at} ms, next decoded frame at the screen ${frameAfter - back!.at} ms later; call stayed StreamsRunning, audio went on`,
    );
  }, 120_000);

  it('sound card missing (alsa:nonexistent both ways): reported and retried; the call goes on with video', async () => {
    const s = await screen();
    const { d, watch } = await door('audio_source = "alsa:nonexistent"\naudio_sink = "alsa:nonexistent"', s.sipPort);
    await answered(d);
    const fault = await watch.next(isAudioError, 20_000);
    expect(fault, d.output().slice(-3000)).toBeDefined();
    if (hasAlsaPlugin) {
      // The device is missing: retried with backoff in case it is plugged in.
      expect(Number(fault!.fields['Retry-in-ms']), JSON.stringify(fault)).toBeGreaterThan(0);
    } else {
      // No ALSA plugin at all (gstreamer1.0-alsa not installed): a setup problem, said once and not retried.
      expect(fault!.fields).toMatchObject({ 'Retry-in-ms': 'never', Reason: expect.stringMatching(/^no element "alsasrc"/) });
      expect(fault!.fields.Reason!.length).toBeLessThan(200);
    }
    const frames = s.video.frames();
    expect(await s.video.waitFrames(frames + 10, 15_000), s.video.output()).toBe(true);
    const stats = await converse(d.socket, 'call-stats\n');
    expect(stat(stats, 'Audio-playing')).toBe('no');
    expect(stat(stats, 'Video-playing')).toBe('yes');
    expect(await converse(d.socket, 'call-status\n')).toMatch(/State: LinphoneCallStreamsRunning/);
    expect(d.output()).toMatch(hasAlsaPlugin ? /audio: .*retrying in \d+ ms/ : /warn .*audio: no element "alsasrc"/);
    // A DTMF request while the sound card is gone is answered, whatever the outcome.
    expect(await converse(d.socket, 'dtmf 1\n')).toMatch(/^Status: (Ok|Error)\n/);
    await hangUp(d, s);
    const errors = watch.events.filter(isAudioError);
    console.log(
      `[media] sound card missing (ALSA plugin ${hasAlsaPlugin ? 'present' : 'absent'}): ${errors.length} audio media-error events (${(fault!.fields.Reason ?? '').slice(0, 80)}), ` +
        `call StreamsRunning with video (${s.video.frames()} frames decoded at the screen); daemon up`,
    );
    expect(d.proc.exitCode).toBeNull();
  }, 120_000);
});
