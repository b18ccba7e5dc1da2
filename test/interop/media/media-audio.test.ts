/**
 * Two-way audio and RFC 4733 DTMF against real peers: a gst-launch-1.0
 * screen that sends Opus/G.711 and decodes ours; GStreamer's own
 * rtpdtmfdepay reading the DTMF we send; a second engine sending DTMF to
 * ours (each press once, end packets and all); and a stranger whose DTMF
 * is not heard.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { buildTelephoneEvent } from '../../../src/media/audio/dtmf-event.js';
import { gstAvailable } from '../../../src/media/gst/gst.js';
import { GstMediaEngine } from '../../../src/media/engine/gst-engine.js';
import { buildRtp } from '../../../src/media/rtp/rtp-packet.js';
import type { AudioCodecName, MediaError } from '../../../src/media/media-engine.js';
import { CHAIN, PLAYING, gstLaunch, type GstLaunch } from '../../support/gst-launch.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';

const BOUND_MS = 8000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function engine(media: Record<string, unknown> = {}) {
  const config = configSchema.parse({ media: { preroll: false, rtp_ports: await freeRtpRange(), ...media } }).media;
  const e = new GstMediaEngine({ config, bindAddress: '127.0.0.1' });
  const errors: MediaError[] = [];
  const digits: string[] = [];
  e.on('error', (err) => errors.push(err));
  e.on('dtmf', (d) => digits.push(d));
  cleanups.push(() => e.stop());
  await e.start();
  return { e, errors, digits, port: e.capabilities().audio.port };
}

function peer(args: string[], watch: RegExp[]): GstLaunch {
  const p = gstLaunch(args, { lifetimeMs: 60_000, watch: [PLAYING, CHAIN, ...watch] });
  cleanups.push(() => p.kill());
  return p;
}

const CODECS: Record<AudioCodecName, { pt: number; caps: string; enc: string[]; dec: string[] }> = {
  opus: {
    pt: 111,
    caps: 'application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111',
    enc: ['opusenc', '!', 'rtpopuspay', 'pt=111'],
    dec: ['rtpopusdepay', '!', 'opusdec'],
  },
  PCMU: {
    pt: 0,
    caps: 'application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0',
    enc: ['audioresample', '!', 'audio/x-raw,rate=8000', '!', 'mulawenc', '!', 'rtppcmupay', 'pt=0', 'max-ptime=20000000'],
    dec: ['rtppcmudepay', '!', 'mulawdec'],
  },
  PCMA: {
    pt: 8,
    caps: 'application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMA,payload=8',
    enc: ['audioresample', '!', 'audio/x-raw,rate=8000', '!', 'alawenc', '!', 'rtppcmapay', 'pt=8', 'max-ptime=20000000'],
    dec: ['rtppcmadepay', '!', 'alawdec'],
  },
};

describe.skipIf(!gstAvailable())('media audio and DTMF (GStreamer)', () => {
  for (const codec of ['opus', 'PCMU', 'PCMA'] as const) {
    it(`talks ${codec} both ways with a gst-launch screen`, async () => {
      const { e, errors, port } = await engine({ audio_source: 'test', echo_cancel: true });
      const [peerPort] = await freeUdpPorts(1);
      const c = CODECS[codec];
      const screen = peer(
        [
          '-v',
          ...['audiotestsrc', 'is-live=true', 'freq=600', '!', 'audioconvert', '!', ...c.enc, '!', 'udpsink', 'host=127.0.0.1', `port=${port}`],
          ...['udpsrc', 'address=127.0.0.1', `port=${peerPort}`, `caps=${c.caps}`, '!', 'rtpjitterbuffer', '!', ...c.dec, '!', 'fakesink', 'silent=false', 'sync=false'],
        ],
        [],
      );
      expect(await screen.waitFor(() => screen.count(PLAYING) > 0, BOUND_MS), screen.output()).toBe(true);
      e.startTalk({ address: '127.0.0.1', port: peerPort!, codec, payloadType: c.pt });
      // The screen decodes what we send...
      expect(await screen.waitFor(() => screen.count(CHAIN) >= 20, BOUND_MS), screen.output()).toBe(true);
      // ...and we take in what it sends, from the port we send from (symmetric RTP).
      await sleep(500);
      const s = e.stats().audio;
      expect(s).toMatchObject({ talking: true, playing: true, codec, failures: 0, packetsRejected: 0 });
      expect(s.packetsReceived).toBeGreaterThan(10);
      expect(s.packetsSent).toBeGreaterThan(10);
      expect(errors).toEqual([]);
      e.stopTalk();
      expect(e.stats().audio.talking).toBe(false);
    });
  }

  it('talks again on the pipeline kept from the last talk: silent between talks, another payload type next time', async () => {
    const { e, errors, port } = await engine({ audio_source: 'test', echo_cancel: true });
    const first = createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => first.close(() => r())));
    await new Promise<void>((r) => first.bind(0, '127.0.0.1', () => r()));
    let heard = 0;
    first.on('message', () => heard++);
    e.startTalk({ address: '127.0.0.1', port: (first.address() as { port: number }).port, codec: 'opus', payloadType: 111 });
    await sleep(600);
    e.stopTalk();
    expect(heard).toBeGreaterThan(10);
    await sleep(100);
    const atStop = heard;
    await sleep(500);
    // The pipeline runs on, but nothing of the microphone leaves between calls.
    expect(heard).toBe(atStop);
    const [peerPort] = await freeUdpPorts(1);
    const caps = CODECS.opus.caps.replace('payload=111', 'payload=96');
    const screen = peer(
      [
        '-v',
        ...['audiotestsrc', 'is-live=true', 'freq=600', '!', 'audioconvert', '!', 'opusenc', '!', 'rtpopuspay', 'pt=96', '!', 'udpsink', 'host=127.0.0.1', `port=${port}`],
        ...['udpsrc', 'address=127.0.0.1', `port=${peerPort}`, `caps=${caps}`, '!', 'rtpjitterbuffer', '!', ...CODECS.opus.dec, '!', 'fakesink', 'silent=false', 'sync=false'],
      ],
      [],
    );
    expect(await screen.waitFor(() => screen.count(PLAYING) > 0, BOUND_MS), screen.output()).toBe(true);
    e.startTalk({ address: '127.0.0.1', port: peerPort!, codec: 'opus', payloadType: 96 });
    expect(await screen.waitFor(() => screen.count(CHAIN) >= 20, BOUND_MS), screen.output()).toBe(true);
    await sleep(300);
    expect(e.stats().audio).toMatchObject({ talking: true, playing: true, failures: 0 });
    expect(e.stats().audio.packetsReceived).toBeGreaterThan(10);
    expect(errors).toEqual([]);
  });

  it('sends DTMF that GStreamer rtpdtmfdepay reads, each press once', async () => {
    const { e, port } = await engine({ audio_source: 'none' });
    void port;
    const [peerPort] = await freeUdpPorts(1);
    const EVENT = /dtmf-event, number=\(int\)(\d+)/;
    const screen = peer(
      ['-m', 'udpsrc', 'address=127.0.0.1', `port=${peerPort}`, 'caps=application/x-rtp,media=audio,clock-rate=8000,encoding-name=TELEPHONE-EVENT,payload=101', '!', 'rtpdtmfdepay', '!', 'fakesink'],
      [EVENT],
    );
    expect(await screen.waitFor(() => screen.count(PLAYING) > 0, BOUND_MS), screen.output()).toBe(true);
    e.startTalk({ address: '127.0.0.1', port: peerPort!, codec: 'PCMU', payloadType: 0, dtmf: { payloadType: 101, clockRate: 8000 } });
    for (const d of ['1', '2', '#', '*'] as const) await e.sendDtmf(d);
    expect(await screen.waitFor(() => screen.count(EVENT) >= 4, BOUND_MS), screen.output()).toBe(true);
    await sleep(300);
    const numbers = [...screen.output().matchAll(new RegExp(EVENT.source, 'g'))].map((m) => Number(m[1]));
    expect(numbers).toEqual([1, 2, 11, 10]);
    expect(e.stats().audio.dtmfSent).toBe(4);
  });

  it('hears DTMF from the talking peer once per press, in order (Opus, 48 kHz events)', async () => {
    const door = await engine({ audio_source: 'test' });
    const screen = await engine({ audio_source: 'test' });
    const dtmf = { payloadType: 102, clockRate: 48000 };
    door.e.startTalk({ address: '127.0.0.1', port: screen.port, codec: 'opus', payloadType: 111, dtmf });
    screen.e.startTalk({ address: '127.0.0.1', port: door.port, codec: 'opus', payloadType: 111, dtmf });
    await sleep(500);
    for (const d of ['1', '1', '9', '#'] as const) await screen.e.sendDtmf(d);
    await sleep(300);
    expect(door.digits).toEqual(['1', '1', '9', '#']);
    expect(door.e.stats().audio.dtmfReceived).toBe(4);
    // And the other way.
    await door.e.sendDtmf('5');
    await sleep(200);
    expect(screen.digits).toEqual(['5']);
    expect(door.errors).toEqual([]);
  });

  it('does not hear DTMF from anyone but the talking peer', async () => {
    const door = await engine({ audio_source: 'none' });
    door.e.startTalk({ address: '127.0.0.1', port: 9, codec: 'PCMU', payloadType: 0, dtmf: { payloadType: 101, clockRate: 8000 } });
    const stranger = createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => stranger.close(() => r())));
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.2', () => r()));
    const packet = buildRtp({ marker: true, payloadType: 101, sequence: 1, timestamp: 1, ssrc: 1 }, buildTelephoneEvent({ event: 1, end: true, volume: 10, duration: 800 }));
    stranger.send(packet, door.port, '127.0.0.1');
    await sleep(300);
    expect(door.digits).toEqual([]);
    expect(door.e.stats().audio.packetsRejected).toBe(1);
    await expect(door.e.sendDtmf('1')).resolves.toBeUndefined();
    door.e.stopTalk();
    await expect(door.e.sendDtmf('1')).rejects.toThrow(/no call/);
  });
});
