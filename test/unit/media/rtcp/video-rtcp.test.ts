/**
 * The video RTCP session on real loopback sockets: SRs out to each
 * screen's RTCP address, PLI/FIR in to key frame requests, BYE on removal,
 * junk and strangers counted; SRTCP (RFC 3711 §3.4) per destination: our
 * key out, each screen's own key in, plain and forged packets dropped.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFir, buildPli, buildReceiverReport, buildSdesCname } from '../../../../src/media/rtcp/rtcp-build.js';
import type { SenderInfo } from '../../../../src/media/rtcp/rtcp-wire.js';
import { parseRtcp, type RtcpPacket } from '../../../../src/media/rtcp/rtcp-packet.js';
import { parseMasterKey, newMasterKey } from '../../../../src/media/srtp/master-key.js';
import { SrtcpProtector, SrtcpUnprotector } from '../../../../src/media/srtp/srtcp.js';
import { VideoRtcp, type KeyFrameRequestKind, type VideoRtcpOptions } from '../../../../src/media/rtcp/video-rtcp.js';
import { VideoSrtcp } from '../../../../src/media/rtcp/video-srtcp.js';

const OURS = 0x0a0b0c0d;
const INFO: SenderInfo = { ssrc: OURS, ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 };

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Peer {
  socket: Socket;
  port: number;
  got: Buffer[];
  next(): Promise<Buffer>;
  send(b: Buffer, port: number): Promise<void>;
}

async function peer(): Promise<Peer> {
  const socket = createSocket('udp4');
  const got: Buffer[] = [];
  const waiters: Array<(b: Buffer) => void> = [];
  socket.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else got.push(m);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => socket.close(() => r())));
  return {
    socket,
    port: socket.address().port,
    got,
    next: () => (got.length ? Promise.resolve(got.shift()!) : new Promise((r) => waiters.push(r))),
    send: (b, port) => new Promise((r) => socket.send(b, port, '127.0.0.1', () => r())),
  };
}

async function session(opts: Partial<VideoRtcpOptions> = {}) {
  const door = await peer();
  let info: SenderInfo | undefined = INFO;
  const rtcp = new VideoRtcp({ socket: door.socket, cname: 'door', senderInfo: () => info, intervalMs: 3_600_000, random: () => 0.5, ...opts });
  const requests: Array<[string, KeyFrameRequestKind]> = [];
  rtcp.on('key-frame-request', (id, kind) => requests.push([id, kind]));
  cleanups.push(() => rtcp.close());
  return { rtcp, door, requests, setInfo: (i: SenderInfo | undefined) => (info = i) };
}

/** Lets the loopback deliver what was sent. */
const settle = () => new Promise((r) => setTimeout(r, 50));
const types = (b: Buffer) => parseRtcp(b).packets.map((p: RtcpPacket) => p.type);

describe('VideoRtcp', () => {
  it('sends SR + SDES CNAME to every destination, at its RTCP address', async () => {
    const { rtcp } = await session();
    const a = await peer();
    const b = await peer();
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    rtcp.add('b', { address: '127.0.0.1', port: 2 }, { address: '127.0.0.1', port: b.port });
    rtcp.sendReports();
    for (const p of [a, b]) {
      const { packets, error } = parseRtcp(await p.next());
      expect(error).toBeUndefined();
      expect(packets).toEqual([
        { type: 'sr', ssrc: OURS, ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5, reports: [] },
        { type: 'sdes', chunks: [{ ssrc: OURS, items: [{ type: 1, text: 'door' }] }] },
      ]);
    }
    expect(rtcp.stats('a')).toMatchObject({ senderReports: 1 });
    expect(rtcp.totals().senderReports).toBe(2);
  });

  it('sends nothing while no video goes out', async () => {
    const { rtcp, setInfo } = await session();
    const a = await peer();
    setInfo(undefined);
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    rtcp.sendReports();
    await settle();
    expect(a.got).toEqual([]);
  });

  it('sends reports on its own timer, the first after about half the interval', async () => {
    const { rtcp } = await session({ intervalMs: 40 });
    const a = await peer();
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    expect(types(await a.next())).toEqual(['sr', 'sdes']);
    expect(types(await a.next())).toEqual(['sr', 'sdes']);
  });

  it('turns a PLI from a screen into a key frame request and counts it', async () => {
    const { rtcp, door, requests } = await session();
    const a = await peer();
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    rtcp.sendReports(); // we know our SSRC from here
    await a.send(Buffer.concat([buildReceiverReport(0x99), buildSdesCname(0x99, 'screen'), buildPli(0x99, OURS)]), door.port);
    await a.send(buildPli(0x99, 0), door.port); // media SSRC 0: a screen that doesn't know it yet
    await settle();
    expect(requests).toEqual([
      ['a', 'pli'],
      ['a', 'pli'],
    ]);
    expect(rtcp.stats('a')).toMatchObject({ pliReceived: 2, received: 2 });
    expect(rtcp.totals()).toMatchObject({ pliReceived: 2, ignored: 0 });
  });

  it('takes a new FIR once, not its retransmissions (RFC 5104 §4.3.1.2)', async () => {
    const { rtcp, door, requests } = await session();
    const a = await peer();
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    rtcp.sendReports();
    for (const seq of [1, 1, 2]) await a.send(buildFir(0x99, [{ ssrc: OURS, sequence: seq }]), door.port);
    await settle();
    expect(requests).toEqual([
      ['a', 'fir'],
      ['a', 'fir'],
    ]);
    expect(rtcp.stats('a')).toMatchObject({ firReceived: 3 });
  });

  it('ignores feedback from strangers and about other SSRCs; counts junk; never throws', async () => {
    const { rtcp, door, requests } = await session();
    const a = await peer();
    const stranger = await peer();
    rtcp.add('a', { address: '127.0.0.2', port: 1 }, { address: '127.0.0.2', port: 2 });
    rtcp.sendReports();
    await stranger.send(buildPli(0x99, OURS), door.port);
    await settle(); // before 'a' moves to 127.0.0.1, where the stranger also is
    rtcp.remove('a');
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    await a.send(buildPli(0x99, 0x12345678), door.port);
    await a.send(buildFir(0x99, [{ ssrc: 0x12345678, sequence: 1 }]), door.port);
    for (const junk of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(1500, 0xff), Buffer.from('81ce0009', 'hex')]) await a.send(junk, door.port);
    await settle();
    expect(requests).toEqual([]);
    expect(rtcp.totals()).toMatchObject({ ignored: 3, malformed: 4, pliReceived: 0 });
  });

  it('keeps the loss figures of the last receiver report about our video', async () => {
    const { rtcp, door } = await session();
    const a = await peer();
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    rtcp.sendReports();
    await a.send(buildReceiverReport(0x99, [{ ssrc: OURS, fractionLost: 26, cumulativeLost: 40, highestSequence: 1000, jitter: 90, lastSr: 0, delaySinceLastSr: 0 }]), door.port);
    await settle();
    expect(rtcp.stats('a')).toMatchObject({ fractionLost: 26, cumulativeLost: 40, jitter: 90 });
  });

  it('says BYE (RFC 3550 §6.6) to a removed destination, and stops reporting to it', async () => {
    const { rtcp } = await session();
    const a = await peer();
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    rtcp.sendReports();
    await a.next();
    rtcp.remove('a');
    expect(parseRtcp(await a.next()).packets).toEqual([{ type: 'bye', ssrcs: [OURS] }]);
    rtcp.sendReports();
    await settle();
    expect(a.got).toEqual([]);
    expect(rtcp.stats('a')).toBeUndefined();
  });
});

/** A screen's side of SRTCP: it protects with its key and unprotects ours (RFC 4568: keys per sender). */
function screenKeys(doorKey: string) {
  const key = newMasterKey();
  const out = new SrtcpProtector(parseMasterKey(key)!);
  const inn = new SrtcpUnprotector(parseMasterKey(doorKey)!);
  return { key, protect: (b: Buffer) => out.protect(b)!, unprotect: (b: Buffer) => inn.unprotect(b) };
}

/** The SRTCP index of a packet (RFC 3711 §3.4: E||index before the 80-bit tag). */
const srtcpIndex = (b: Buffer) => b.readUInt32BE(b.length - 14) & 0x7fff_ffff;

describe('VideoRtcp with SRTCP per destination (RFC 3711 §3.4)', () => {
  async function keyed() {
    const doorKey = newMasterKey();
    const s = await session({ srtcp: VideoSrtcp.create(doorKey)! });
    return { ...s, doorKey };
  }

  it('protects SRs with our key for SRTP destinations, one index space across them, and keeps plain ones plain', async () => {
    const { rtcp, doorKey } = await keyed();
    const a = await peer();
    const b = await peer();
    const plain = await peer();
    const sa = screenKeys(doorKey);
    const sb = screenKeys(doorKey);
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port }, { remoteKey: sa.key });
    rtcp.add('b', { address: '127.0.0.1', port: 2 }, { address: '127.0.0.1', port: b.port }, { remoteKey: sb.key });
    rtcp.add('p', { address: '127.0.0.1', port: 3 }, { address: '127.0.0.1', port: plain.port });
    const indices: number[] = [];
    for (let round = 0; round < 3; round++) {
      rtcp.sendReports();
      for (const [p, screen] of [
        [a, sa],
        [b, sb],
      ] as const) {
        const wire = await p.next();
        // The first 8 bytes (header, our SSRC) stay clear; the rest is not readable without the key.
        expect(wire.readUInt32BE(4)).toBe(OURS);
        indices.push(srtcpIndex(wire));
        const r = screen.unprotect(wire);
        expect(r.ok).toBe(true);
        if (!r.ok) continue;
        expect(types(r.packet)).toEqual(['sr', 'sdes']);
        // E||index (4 bytes) and the 80-bit tag (RFC 3711 §3.4) after the encrypted compound.
        expect(wire.length).toBe(r.packet.length + 4 + 10);
        expect(wire.subarray(8, r.packet.length).equals(r.packet.subarray(8))).toBe(false);
      }
      expect(types(await plain.next())).toEqual(['sr', 'sdes']);
    }
    // Shared and monotonic: each screen sees a growing index with gaps, which its replay window takes as loss.
    expect(indices).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rtcp.stats('a')).toMatchObject({ senderReports: 3, srtcpAuthFailures: 0, srtcpReplays: 0 });
    expect(rtcp.stats('p')).not.toHaveProperty('srtcpAuthFailures');
  });

  it('obeys SRTCP feedback under the screen\'s own key; drops plain, mis-keyed and replayed packets and counts them', async () => {
    const { rtcp, door, requests, doorKey } = await keyed();
    const a = await peer();
    const plain = await peer();
    const sa = screenKeys(doorKey);
    const other = screenKeys(doorKey);
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port }, { remoteKey: sa.key });
    rtcp.add('p', { address: '127.0.0.1', port: 3 }, { address: '127.0.0.1', port: plain.port });
    rtcp.sendReports();
    const pli = Buffer.concat([buildReceiverReport(0x99), buildSdesCname(0x99, 'screen'), buildPli(0x99, OURS)]);
    await a.send(buildPli(0x99, OURS), door.port); // plain, too short for a tag
    await a.send(pli, door.port); // plain compound: no valid tag
    await a.send(other.protect(pli), door.port); // another screen's key
    await a.send(new SrtcpProtector(parseMasterKey(doorKey)!).protect(Buffer.concat([buildReceiverReport(0x99), buildPli(0x99, OURS)]))!, door.port); // our own key
    const good = sa.protect(pli);
    await a.send(good, door.port);
    await a.send(good, door.port); // replayed
    await plain.send(buildPli(0x77, OURS), door.port); // a plain destination stays plain
    await settle();
    expect(requests).toEqual([
      ['a', 'pli'],
      ['p', 'pli'],
    ]);
    expect(rtcp.stats('a')).toMatchObject({ received: 1, pliReceived: 1, srtcpAuthFailures: 4, srtcpReplays: 1 });
    expect(rtcp.totals()).toMatchObject({ pliReceived: 2, srtcpAuthFailures: 4, srtcpReplays: 1, malformed: 0 });
  });

  it('a tampered SRTCP FIR is dropped; the intact one is obeyed', async () => {
    const { rtcp, door, requests, doorKey } = await keyed();
    const a = await peer();
    const sa = screenKeys(doorKey);
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port }, { remoteKey: sa.key });
    rtcp.sendReports();
    const fir = sa.protect(buildFir(0x99, [{ ssrc: OURS, sequence: 7 }]));
    const tampered = Buffer.from(fir);
    tampered[12]! ^= 0x01;
    await a.send(tampered, door.port);
    await a.send(fir, door.port);
    await settle();
    expect(requests).toEqual([['a', 'fir']]);
    expect(rtcp.stats('a')).toMatchObject({ firReceived: 1, srtcpAuthFailures: 1 });
  });

  it('says BYE in SRTCP to a removed SRTP destination', async () => {
    const { rtcp, doorKey } = await keyed();
    const a = await peer();
    const sa = screenKeys(doorKey);
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port }, { remoteKey: sa.key });
    rtcp.sendReports();
    expect(sa.unprotect(await a.next()).ok).toBe(true);
    rtcp.remove('a');
    const r = sa.unprotect(await a.next());
    expect(r.ok && parseRtcp(r.packet).packets).toEqual([{ type: 'bye', ssrcs: [OURS] }]);
  });

  it('an update with the same key keeps the replay window; a new key replaces it', async () => {
    const { rtcp, door, requests, doorKey } = await keyed();
    const a = await peer();
    const sa = screenKeys(doorKey);
    const rtp = { address: '127.0.0.1', port: 1 };
    const to = { address: '127.0.0.1', port: a.port };
    rtcp.add('a', rtp, to, { remoteKey: sa.key });
    rtcp.sendReports();
    await a.next();
    const pli = sa.protect(buildPli(0x99, OURS));
    await a.send(pli, door.port);
    await settle();
    rtcp.add('a', rtp, to, { remoteKey: sa.key }); // a re-INVITE with the same key
    await a.send(pli, door.port);
    await settle();
    expect(requests).toHaveLength(1);
    expect(rtcp.stats('a')).toMatchObject({ srtcpReplays: 1 });
    const sb = screenKeys(doorKey);
    rtcp.add('a', rtp, to, { remoteKey: sb.key }); // re-keyed
    await a.send(sa.protect(buildPli(0x99, OURS)), door.port);
    await a.send(sb.protect(buildPli(0x99, OURS)), door.port);
    await settle();
    expect(requests).toHaveLength(2);
    expect(rtcp.stats('a')).toMatchObject({ srtcpAuthFailures: 1 });
    // Back to plain RTP (a re-INVITE without a=crypto): plain RTCP both ways.
    rtcp.add('a', rtp, to);
    rtcp.sendReports();
    expect(types(await a.next())).toEqual(['sr', 'sdes']);
    await a.send(buildPli(0x99, OURS), door.port);
    await settle();
    expect(requests).toHaveLength(3);
  });

  it('fails closed: an SRTP destination without SRTCP, or with an unusable key, gets no RTCP and is never believed', async () => {
    const { rtcp, door, requests } = await session();
    const warnings: string[] = [];
    rtcp.on('warning', (w) => warnings.push(w));
    const a = await peer();
    const sa = screenKeys(newMasterKey());
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port }, { remoteKey: sa.key });
    rtcp.sendReports();
    await a.send(buildPli(0x99, OURS), door.port);
    await a.send(sa.protect(buildPli(0x99, OURS)), door.port);
    await settle();
    expect(a.got).toEqual([]);
    expect(requests).toEqual([]);
    expect(rtcp.stats('a')).toMatchObject({ senderReports: 0, srtcpAuthFailures: 2 });
    expect(warnings.join('\n')).toMatch(/SRTP but there is no SRTCP/);

    const { rtcp: keyedRtcp } = await keyed();
    const b = await peer();
    const bad: string[] = [];
    keyedRtcp.on('warning', (w) => bad.push(w));
    keyedRtcp.add('b', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: b.port }, { remoteKey: 'c2hvcnQ=' });
    keyedRtcp.sendReports();
    await settle();
    expect(b.got).toEqual([]);
    expect(bad.join('\n')).toMatch(/key is not usable/);
    expect(bad.join('\n')).not.toContain('c2hvcnQ=');
  });
});
