/**
 * The video RTCP session on real loopback sockets: SRs out to each
 * screen's RTCP address, PLI/FIR in to key frame requests, BYE on removal,
 * junk and strangers counted, the SRTCP seam applied both ways.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFir, buildPli, buildReceiverReport, buildSdesCname, type SenderInfo } from '../../../src/media/rtcp-build.js';
import { parseRtcp, type RtcpPacket } from '../../../src/media/rtcp-packet.js';
import { VideoRtcp, type KeyFrameRequestKind, type VideoRtcpOptions } from '../../../src/media/video-rtcp.js';

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

  it('runs every packet through protect / unprotect (the SRTCP seam)', async () => {
    const tag = Buffer.from('TAG!');
    const { rtcp, door, requests } = await session({
      protect: (p) => Buffer.concat([p, tag]),
      unprotect: (p) => (p.subarray(-4).equals(tag) ? p.subarray(0, -4) : undefined),
    });
    const a = await peer();
    rtcp.add('a', { address: '127.0.0.1', port: 1 }, { address: '127.0.0.1', port: a.port });
    rtcp.sendReports();
    const sent = await a.next();
    expect(sent.subarray(-4)).toEqual(tag);
    expect(types(sent.subarray(0, -4))).toEqual(['sr', 'sdes']);
    await a.send(buildPli(0x99, OURS), door.port); // not authenticated: dropped
    await a.send(Buffer.concat([buildPli(0x99, OURS), tag]), door.port);
    await settle();
    expect(requests).toEqual([['a', 'pli']]);
    expect(rtcp.totals().malformed).toBe(1);
  });
});
