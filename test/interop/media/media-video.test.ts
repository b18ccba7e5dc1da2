/**
 * The video sender against real GStreamer decoders (gst-launch-1.0 with
 * openh264dec, what linphone decodes with): early media to one screen, to
 * three screens joining at different times of one prerolled pipeline,
 * removal, preroll off, snapshots, and a source that fails. No timing is
 * asserted (bench/media-first-frame.ts measures); the bounds below only
 * keep a broken run from hanging.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { configSchema, type MediaConfig } from '../../../src/config/schema.js';
import { gstAvailable } from '../../../src/media/gst/gst.js';
import { GstMediaEngine } from '../../../src/media/engine/gst-engine.js';
import type { MediaError } from '../../../src/media/media-engine.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { startH264Receiver, type GstReceiver } from '../../support/gst-receiver.js';

const DECODE_BOUND_MS = 8000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function mediaConfig(media: Record<string, unknown> = {}): Promise<MediaConfig> {
  return configSchema.parse({ media: { width: 320, height: 240, framerate: 15, video_bitrate: 300, audio_source: 'none', rtp_ports: await freeRtpRange(), ...media } }).media;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function engine(media: Record<string, unknown> = {}) {
  const e = new GstMediaEngine({ config: await mediaConfig(media), bindAddress: '127.0.0.1' });
  const errors: MediaError[] = [];
  e.on('error', (err) => errors.push(err));
  cleanups.push(() => e.stop());
  await e.start();
  return { e, errors };
}

async function receiver(port: number): Promise<GstReceiver> {
  const r = await startH264Receiver(port, { lifetimeMs: 60_000 });
  cleanups.push(() => r.kill());
  return r;
}

function counter(port: number): Promise<{ socket: Socket; count: () => number }> {
  return new Promise((resolve) => {
    let n = 0;
    const socket = createSocket('udp4');
    socket.on('message', () => n++);
    socket.bind(port, '127.0.0.1', () => resolve({ socket, count: () => n }));
    cleanups.push(() => new Promise<void>((r) => socket.close(() => r())));
  });
}

describe.skipIf(!gstAvailable())('media video (GStreamer)', () => {
  it('streams to one screen, decoded by openh264dec', async () => {
    const { e, errors } = await engine();
    const [port] = await freeUdpPorts(1);
    const r = await receiver(port!);
    e.addVideoDestination('fork-1', { address: '127.0.0.1', port: port!, payloadType: 96 });
    expect(await r.waitFrames(5, DECODE_BOUND_MS), r.output()).toBe(true);
    expect(e.stats().video).toMatchObject({ running: true, playing: true, encoder: 'x264enc' });
    expect(errors).toEqual([]);
  });

  it('gives three screens added at different times to one prerolled pipeline each a decoded picture', async () => {
    const { e, errors } = await engine({ preroll: true });
    await new Promise<void>((r) => e.once('video-playing', () => r()));
    const ports = await freeUdpPorts(3);
    const receivers = await Promise.all(ports.map((p) => receiver(p)));
    for (const [i, r] of receivers.entries()) {
      // Mid-GOP joins: without the forced key frame each would wait for the next IDR.
      await sleep(400 + 300 * i);
      e.addVideoDestination(`fork-${i}`, { address: '127.0.0.1', port: r.port, payloadType: 96 });
      expect(await r.waitFrames(1, DECODE_BOUND_MS), r.output()).toBe(true);
    }
    for (const r of receivers) expect(await r.waitFrames(5, DECODE_BOUND_MS)).toBe(true);
    const dests = e.stats().video.destinations;
    expect(dests.map((d) => d.id)).toEqual(['fork-0', 'fork-1', 'fork-2']);
    // Each one asked the running encoder for its own key frame.
    expect(dests.every((d) => d.keyFramesForced === 1)).toBe(true);
    expect(errors).toEqual([]);
  });

  it('stops sending to a removed destination at once, and goes on to the others', async () => {
    const { e } = await engine();
    const [p1, p2] = await freeUdpPorts(2);
    const a = await counter(p1!);
    const b = await counter(p2!);
    e.addVideoDestination('a', { address: '127.0.0.1', port: p1!, payloadType: 96 });
    e.addVideoDestination('b', { address: '127.0.0.1', port: p2!, payloadType: 96 });
    await sleep(1000);
    expect(a.count()).toBeGreaterThan(0);
    e.removeVideoDestination('a');
    await sleep(200); // packets already in the socket buffers
    const aAfter = a.count();
    const bAfter = b.count();
    await sleep(1000);
    expect(a.count()).toBe(aAfter);
    expect(b.count()).toBeGreaterThan(bAfter);
    expect(e.stats().video.destinations.map((d) => d.id)).toEqual(['b']);
  });

  it('without preroll, runs the camera only while there is a destination', async () => {
    const { e } = await engine({ preroll: false });
    await sleep(300);
    expect(e.stats().video.running).toBe(false);
    const [port] = await freeUdpPorts(1);
    const r = await receiver(port!);
    e.addVideoDestination('only', { address: '127.0.0.1', port: port!, payloadType: 96 });
    expect(await r.waitFrames(3, DECODE_BOUND_MS), r.output()).toBe(true);
    e.removeVideoDestination('only');
    expect(e.stats().video.running).toBe(false);
    // And again: the same pipeline starts a second time.
    const before = r.frames();
    e.addVideoDestination('again', { address: '127.0.0.1', port: port!, payloadType: 96 });
    expect(await r.waitFrames(before + 3, DECODE_BOUND_MS), r.output()).toBe(true);
  });

  describe('snapshots', () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-snap-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes the current frame as JPEG, with or without a running pipeline', async () => {
      for (const preroll of [true, false]) {
        const { e } = await engine({ preroll });
        const file = join(dir, `snap-${preroll}.jpg`);
        await e.snapshot(file);
        const jpeg = readFileSync(file);
        expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
        expect(jpeg.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
        // Twice in a row: the second is a new frame, not what the appsink kept; a name is never written twice.
        await expect(e.snapshot(file)).rejects.toMatchObject({ code: 'EEXIST' });
        await e.snapshot(join(dir, `snap-${preroll}-2.jpg`));
        expect(e.stats().video.running).toBe(preroll);
        await e.stop();
      }
    });
  });

  describe('faults', () => {
    it('restarts a source that ends, reporting it, and screens get video again', async () => {
      // A camera that stops after 20 frames: EOS from a live source means it went away.
      const { e, errors } = await engine({ video_source: 'videotestsrc is-live=true num-buffers=20', preroll: true });
      const recovered = new Promise<void>((r) => e.on('recovered', (c) => c === 'video' && r()));
      const [port] = await freeUdpPorts(1);
      const r = await receiver(port!);
      e.addVideoDestination('x', { address: '127.0.0.1', port: port!, payloadType: 96 });
      await recovered;
      // EOS itself, or (the newest-frame funnel holds EOS back) the watchdog that sees no camera frame.
      expect(errors[0]).toMatchObject({ component: 'video', message: expect.stringMatching(/^end of stream$|^no camera frame/), attempt: 1 });
      expect(errors[0]!.retryInMs).toBeGreaterThan(0);
      const before = r.frames();
      expect(await r.waitFrames(before + 3, DECODE_BOUND_MS), r.output()).toBe(true);
    });

    it('reports a missing camera as error events, again with backoff, and never throws', async () => {
      const { e, errors } = await engine({ video_source: 'v4l2:/dev/video-does-not-exist', preroll: true });
      const [port] = await freeUdpPorts(1);
      expect(() => e.addVideoDestination('x', { address: '127.0.0.1', port: port!, payloadType: 96 })).not.toThrow();
      await new Promise<void>((resolve) => {
        const check = () => (errors.length >= 2 ? resolve() : setTimeout(check, 100));
        check();
      });
      expect(errors[0]).toMatchObject({ component: 'video', attempt: 1 });
      expect(errors[1]).toMatchObject({ component: 'video', attempt: 2 });
      expect(errors[1]!.retryInMs!).toBeGreaterThan(errors[0]!.retryInMs!);
      await expect(e.snapshot(join(tmpdir(), 'never.jpg'))).rejects.toThrow(/no camera frame/);
    });

    it('reports a video_source that does not parse, without throwing from start()', async () => {
      const { e, errors } = await engine({ video_source: 'nosuchsrc ! identity' });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ component: 'video' });
      expect(errors[0]!.message).toMatch(/no element "nosuchsrc"/);
      expect(errors[0]!.retryInMs).toBeUndefined();
      expect(e.capabilities().video.available).toBe(false);
      expect(e.capabilities().audio.available).toBe(true);
    });
  });
});
