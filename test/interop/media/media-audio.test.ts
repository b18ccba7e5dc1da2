/**
 * Two-way audio and RFC 4733 DTMF against real peers: a gst-launch-1.0
 * screen that sends Opus/G.711 and decodes ours; GStreamer's own
 * rtpdtmfdepay reading the DTMF we send; a second engine sending DTMF to
 * ours (each press once, end packets and all); and a stranger whose DTMF
 * is not heard.
 */
import { randomBytes } from 'node:crypto';
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
import { SrtpSession } from '../../../src/media/srtp/srtp-session.js';
import { until } from '../../support/wait.js';

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

  /** A UDP socket on 127.0.0.1 that counts what reaches it, by RTP payload type. */
  async function listener() {
    const sock = createSocket('udp4');
    const got: number[] = [];
    sock.on('message', (m) => got.push(m[1]! & 0x7f));
    cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    return { sock, got, port: sock.address().port };
  }

  const press = (event: number, ts: number, ssrc = 77) =>
    buildRtp({ marker: true, payloadType: 101, sequence: ts & 0xffff, timestamp: ts, ssrc }, buildTelephoneEvent({ event, end: true, volume: 10, duration: 800 }));

  it('hears DTMF only from the peer’s negotiated port, and a replayed press not again later in the call (issue 12 row 19)', async () => {
    const door = await engine({ audio_source: 'none' });
    const screen = await listener();
    const sameIp = await listener();
    door.e.startTalk({ address: '127.0.0.1', port: screen.port, codec: 'PCMU', payloadType: 0, dtmf: { payloadType: 101, clockRate: 8000 }, session: 'call-1' });
    // Another port of the peer's IP: not the peer.
    for (const [i, ev] of [1, 2, 3, 4].entries()) sameIp.sock.send(press(ev, 1000 + i * 1000), door.port, '127.0.0.1');
    await sleep(300);
    expect(door.digits).toEqual([]);
    expect(door.e.stats().audio.packetsRejected).toBe(4);
    // From its port: heard once each.
    const code = [1, 2, 3, 4].map((ev, i) => press(ev, 1000 + i * 1000));
    for (const p of code) screen.sock.send(p, door.port, '127.0.0.1');
    await sleep(300);
    expect(door.digits).toEqual(['1', '2', '3', '4']);
    // 40 lone '#' (the old window held 32), then the captured code again, then once more after a re-INVITE of the same call.
    for (let i = 0; i < 40; i++) screen.sock.send(press(11, 100_000 + i * 1000), door.port, '127.0.0.1');
    await sleep(300);
    for (const p of code) screen.sock.send(p, door.port, '127.0.0.1');
    await sleep(300);
    door.e.startTalk({ address: '127.0.0.1', port: screen.port, codec: 'PCMU', payloadType: 0, dtmf: { payloadType: 101, clockRate: 8000 }, session: 'call-1' });
    for (const p of code) screen.sock.send(p, door.port, '127.0.0.1');
    await sleep(300);
    expect(door.digits.join('')).toBe('1234' + '#'.repeat(40));
    // A new call starts with a fresh memory.
    door.e.startTalk({ address: '127.0.0.1', port: screen.port, codec: 'PCMU', payloadType: 0, dtmf: { payloadType: 101, clockRate: 8000 }, session: 'call-2' });
    for (const p of code) screen.sock.send(p, door.port, '127.0.0.1');
    await sleep(300);
    expect(door.digits.slice(-4)).toEqual(['1', '2', '3', '4']);
  });

  it('early audio reaches every ringing screen, in its payload type; a removed one stops; none can key a digit; the talk replaces them (issue 13 item 4)', async () => {
    const door = await engine({ audio_source: 'test' });
    const a = await listener();
    const b = await listener();
    const dtmf = { payloadType: 101, clockRate: 8000 };
    door.e.addAudioDestination('1:1', { address: '127.0.0.1', port: a.port, codec: 'PCMU', payloadType: 0, dtmf });
    door.e.addAudioDestination('1:2', { address: '127.0.0.1', port: b.port, codec: 'PCMU', payloadType: 96, dtmf });
    await until('both screens to hear the door', () => a.got.length > 10 && b.got.length > 10, BOUND_MS);
    expect(new Set(a.got)).toEqual(new Set([0]));
    expect(new Set(b.got)).toEqual(new Set([96]));
    expect(door.e.stats().audio).toMatchObject({ talking: false, earlyDestinations: 2 });
    // A ringing screen's telephone-events are not digits (issue 12 row 9).
    for (const [i, ev] of [1, 2, 3, 4].entries()) b.sock.send(press(ev, 5000 + i * 1000), door.port, '127.0.0.1');
    await sleep(300);
    expect(door.digits).toEqual([]);
    // b declines: it stops hearing the door.
    door.e.removeAudioDestination('1:2');
    await sleep(200);
    const bAfter = b.got.length;
    await sleep(500);
    expect(b.got.length).toBe(bAfter);
    // a answers: the talk goes on to it, and now its presses count.
    door.e.startTalk({ address: '127.0.0.1', port: a.port, codec: 'PCMU', payloadType: 0, dtmf, session: 's' });
    const aBefore = a.got.length;
    await until('a to go on hearing the door', () => a.got.length > aBefore + 10, BOUND_MS);
    a.sock.send(press(5, 9000), door.port, '127.0.0.1');
    await until('a digit from a', () => door.digits.length === 1, BOUND_MS);
    expect(door.digits).toEqual(['5']);
    expect(door.e.stats().audio.earlyDestinations).toBe(0);
    expect(door.errors).toEqual([]);
    console.log(`[media] early audio: screen a ${aBefore} packets before the answer, screen b ${bAfter} until removed, 0 after`);
  });

  it('early audio under SRTP: each ringing screen authenticates and decrypts the one stream with the call key, in its own payload type', async () => {
    const door = await engine({ audio_source: 'test' });
    const ours = randomBytes(30).toString('base64');
    const screens = [await listener(), await listener()];
    const raw: Buffer[][] = [[], []];
    screens.forEach((s, i) => s.sock.on('message', (m) => raw[i]!.push(m)));
    const pts = [0, 97];
    screens.forEach((s, i) =>
      door.e.addAudioDestination(`1:${i}`, { address: '127.0.0.1', port: s.port, codec: 'PCMU', payloadType: pts[i]!, srtp: { local: ours, remote: randomBytes(30).toString('base64') } }),
    );
    await until('SRTP at both screens', () => raw.every((r) => r.length > 10), BOUND_MS);
    for (const [i, packets] of raw.entries()) {
      // The screen's view: our key protects what it receives.
      const rx = SrtpSession.create({ local: randomBytes(30).toString('base64'), remote: ours })!;
      const plain = packets.map((p) => rx.unprotectRtp(p)).filter((p) => p !== undefined);
      expect(plain.length).toBe(packets.length);
      expect(new Set(plain.map((p) => p[1]! & 0x7f))).toEqual(new Set([pts[i]]));
    }
    door.e.stopTalk();
    expect(door.errors).toEqual([]);
  });
});

