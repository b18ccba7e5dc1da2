/**
 * RTCP for our video against a SIPp home screen ringing with early media,
 * the daemon as built: the screen's RTCP port (its video port + 1, RFC 3550
 * §11) gets sender reports for the very SSRC its RTP comes from, with a
 * growing packet count; a PLI (RFC 4585 §6.3.1) or FIR (RFC 5104 §4.3.1)
 * sent to the door's RTCP port brings an IDR on the RTP port and shows in
 * call-stats; the screen gets a BYE when the call ends. Then a real RTCP
 * peer: GStreamer's rtpbin (AVPF, PLI allowed by its caps) behind a link
 * that drops 3 % of packets, whose own receiver reports and PLIs the door
 * must read and obey. Timing is printed, never asserted; the bounds only
 * keep a broken run from hanging.
 */
import { createSocket, type Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { buildFir, buildPli, buildReceiverReport, buildSdesCname } from '../../../src/media/rtcp/rtcp-build.js';
import { parseRtcp, type SenderReport } from '../../../src/media/rtcp/rtcp-packet.js';
import { parseRtp } from '../../../src/media/rtp/rtp-packet.js';
import { configSchema } from '../../../src/config/schema.js';
import { GstMediaEngine } from '../../../src/media/engine/gst-engine.js';
import { gstAvailable } from '../../../src/media/gst/gst.js';
import { useCleanups } from '../../support/cleanups.js';
import { converse, type RunningDaemon } from '../../support/daemon.js';
import { startDaemonCleanedBy } from '../../support/watched-daemon.js';
import { CHAIN, PLAYING, gstLaunch } from '../../support/gst-launch.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { freePort } from '../../support/ports.js';
import { hasSipp, startSipp } from '../../support/sipp.js';
import { until } from '../../support/wait.js';
import { nalTypes } from '../../support/h264-nal.js';

const SCREEN_SSRC = 0x5c5c5c5c;

interface Screen {
  rtp: Socket;
  rtcp: Socket;
  ssrcs: Set<number>;
  packets: number;
  /** performance.now() of every IDR/SPS start seen on the RTP port. */
  keyFrames: number[];
  srs: SenderReport[];
  byes: number;
  rtcpFrom?: { address: string; port: number };
}

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

describe.skipIf(!hasSipp)('RTCP for the door video (SIPp screen, built daemon)', () => {
  const cleanups = useCleanups();

  async function screenMedia(videoPort: number): Promise<Screen> {
    const rtp = await bind(videoPort);
    const rtcp = await bind(videoPort + 1);
    cleanups.push(() => new Promise<void>((r) => rtp.close(() => r())));
    cleanups.push(() => new Promise<void>((r) => rtcp.close(() => r())));
    const s: Screen = { rtp, rtcp, ssrcs: new Set(), packets: 0, keyFrames: [], srs: [], byes: 0 };
    rtp.on('message', (m) => {
      const p = parseRtp(m);
      if (!p) return;
      s.packets++;
      s.ssrcs.add(p.ssrc);
      const types = nalTypes(p.payload);
      if (types.includes(5) || types.includes(7)) {
        // SPS, PPS and IDR may come in several packets: one key frame per RTP timestamp.
        const last = s.keyFrames.at(-1);
        if (last === undefined || performance.now() - last > 30) s.keyFrames.push(performance.now());
      }
    });
    rtcp.on('message', (m, rinfo) => {
      s.rtcpFrom = { address: rinfo.address, port: rinfo.port };
      for (const p of parseRtcp(m).packets) {
        if (p.type === 'sr') s.srs.push(p);
        if (p.type === 'bye') s.byes++;
      }
    });
    return s;
  }

  async function door(sipPort: number): Promise<{ d: RunningDaemon; rtcpPort: number }> {
    const rtp = await freeRtpRange(8);
    const d = await startDaemonCleanedBy(
      cleanups,
      `[call]\ntargets = ["sip:screen@127.0.0.1:${sipPort}"]\nring_timeout = 60\n` +
        `[media]\nrtp_ports = "${rtp}"\nwidth = 320\nheight = 240\nvideo_bitrate = 300\naudio_source = "none"\n[log]\nlevel = "debug"\n`,
      { timeoutMs: 120_000 },
    );
    const m = await until('the video RTCP port in the log', () => /RTCP on (\d+)/.exec(d.output()) ?? undefined, 20_000);
    return { d, rtcpPort: Number(m[1]) };
  }

  const stat = (text: string, key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(text)?.[1];

  it('sends SRs for the RTP stream to the screen, and a PLI or FIR brings a key frame at once', async () => {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const screen = await screenMedia(videoPort!);
    const sipPort = await freePort();
    const sipp = startSipp('screen-early-cancelled', sipPort, { videoport: videoPort!, audioport: audioPort! }, 110_000);
    cleanups.push(() => sipp.kill());
    const { d, rtcpPort } = await door(sipPort);
    const send = (b: Buffer) => new Promise<void>((r) => screen.rtcp.send(b, rtcpPort, '127.0.0.1', () => r()));

    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('early video', () => screen.packets > 20, 30_000);

    // (a) Sender reports, from the door's RTCP port, about the SSRC the RTP comes from.
    await until('two sender reports', () => screen.srs.length >= 2, 30_000);
    expect(screen.rtcpFrom).toEqual({ address: '127.0.0.1', port: rtcpPort });
    expect(screen.ssrcs.size).toBe(1);
    const [ssrc] = [...screen.ssrcs];
    const first = screen.srs[0]!;
    const later = screen.srs.at(-1)!;
    expect(first.ssrc).toBe(ssrc);
    expect(later.ssrc).toBe(ssrc);
    expect(later.packetCount).toBeGreaterThan(first.packetCount);
    expect(later.octetCount).toBeGreaterThan(first.octetCount);
    // The SR maps wall clock to the media clock: the two reports' RTP timestamps advance
    // with their NTP times (90 kHz), give or take the estimate's error.
    const ntpSeconds = (r: SenderReport) => r.ntpSeconds + r.ntpFraction / 2 ** 32;
    const wallDelta = ntpSeconds(later) - ntpSeconds(first);
    const rtpDelta = ((later.rtpTimestamp - first.rtpTimestamp) >>> 0) / 90000;
    expect(Math.abs(rtpDelta - wallDelta)).toBeLessThan(0.5);

    // The screen reports as a receiver would (RR + SDES), which the door takes without complaint.
    await send(Buffer.concat([buildReceiverReport(SCREEN_SSRC, [{ ssrc: ssrc!, fractionLost: 0, cumulativeLost: 0, highestSequence: 1, jitter: 0, lastSr: 0, delaySinceLastSr: 0 }]), buildSdesCname(SCREEN_SSRC, 'screen')]));

    // (b) PLIs, each sent just after a key frame (mid-GOP), each followed by a key frame.
    const before = await converse(d.socket, 'call-stats 1\n');
    const forcedBefore = Number(stat(before, 'Video-keyframes-forced'));
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const seen = screen.keyFrames.length;
      await until('a key frame to start from', () => screen.keyFrames.length > seen, 10_000);
      // More than the limiter's 500 ms after the last forced one, well before the next GOP (2 s).
      await new Promise((r) => setTimeout(r, 600));
      const n = screen.keyFrames.length;
      const sentAt = performance.now();
      await send(Buffer.concat([buildReceiverReport(SCREEN_SSRC), buildSdesCname(SCREEN_SSRC, 'screen'), buildPli(SCREEN_SSRC, ssrc!)]));
      await until('a key frame after the PLI', () => screen.keyFrames.length > n, 10_000);
      latencies.push(screen.keyFrames[n]! - sentAt);
    }
    const stats = await until('PLIs in call-stats', async () => {
      const s = await converse(d.socket, 'call-stats 1\n');
      return stat(s, 'Video-pli-received') === '3' ? s : undefined;
    });
    expect(Number(stat(stats, 'Video-keyframes-forced'))).toBeGreaterThanOrEqual(forcedBefore + 1);
    expect(stat(stats, 'Video-rtcp-destinations')).toMatch(new RegExp(`^127\\.0\\.0\\.1:${videoPort} sr=\\d+ pli=3 fir=0 lost=0/256$`));

    // A FIR (RFC 5104) works the same way; its retransmission (same seq nr) is counted, not obeyed again.
    await new Promise((r) => setTimeout(r, 600));
    const n = screen.keyFrames.length;
    const firAt = performance.now();
    await send(buildFir(SCREEN_SSRC, [{ ssrc: ssrc!, sequence: 1 }]));
    await send(buildFir(SCREEN_SSRC, [{ ssrc: ssrc!, sequence: 1 }]));
    await until('a key frame after the FIR', () => screen.keyFrames.length > n, 10_000);
    const firLatency = screen.keyFrames[n]! - firAt;
    const afterFir = await until('FIRs in call-stats', async () => {
      const s = await converse(d.socket, 'call-stats 1\n');
      return stat(s, 'Video-fir-received') === '2' ? s : undefined;
    });
    expect(stat(afterFir, 'Video-rtcp-sender-reports')).toMatch(/^\d+$/);
    console.log(JSON.stringify({ pliToKeyFrameMs: latencies.map(Math.round), firToKeyFrameMs: Math.round(firLatency), senderReports: screen.srs.length }));

    // Junk on the door's RTCP port changes nothing (the daemon is still there to answer).
    for (const junk of [Buffer.from('junk'), Buffer.alloc(2000, 0x81), Buffer.from('81ce00ff', 'hex')]) await send(junk);
    expect(await converse(d.socket, 'call-status 1\n')).toContain('LinphoneCallOutgoingEarlyMedia');

    // The call ends: the screen gets an RTCP BYE (RFC 3550 §6.6).
    expect(await converse(d.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    await until('an RTCP BYE', () => screen.byes > 0, 10_000);
  }, 150_000);
});

describe.skipIf(!gstAvailable())('RTCP for the door video (GStreamer rtpbin as the screen)', () => {
  const cleanups = useCleanups();

  it('reads rtpbin\'s receiver reports and obeys its PLIs on a lossy link, within the key frame limit', async () => {
    const config = configSchema.parse({ media: { width: 320, height: 240, video_bitrate: 300, audio_source: 'none', rtp_ports: await freeRtpRange(8) } }).media;
    const engine = new GstMediaEngine({ config, bindAddress: '127.0.0.1' });
    cleanups.push(() => engine.stop());
    await engine.start();
    const doorRtcp = engine.capabilities().video.rtcpPort;
    expect(doorRtcp).toBe(engine.capabilities().video.port + 1);

    const [videoPort] = await freeUdpPorts(1);
    // rtcp-fb-nack-pli in the caps is what lets rtpsession send PLIs (what a=rtcp-fb in our offer tells a screen).
    const caps = 'application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96,rtcp-fb-nack-pli=(boolean)true';
    const peer = gstLaunch(
      [
        '-v', 'rtpbin', 'name=rb', 'rtp-profile=avpf', 'do-lost=true', 'latency=100',
        'udpsrc', 'address=127.0.0.1', `port=${videoPort}`, `caps=${caps}`, '!', 'identity', 'drop-probability=0.03', '!', 'rb.recv_rtp_sink_0',
        'rb.', '!', 'rtph264depay', 'request-keyframe=true', 'wait-for-keyframe=true', '!', 'h264parse', '!', 'openh264dec', '!', 'fakesink', 'silent=false', 'sync=false',
        'udpsrc', 'address=127.0.0.1', `port=${videoPort! + 1}`, '!', 'rb.recv_rtcp_sink_0',
        'rb.send_rtcp_src_0', '!', 'udpsink', 'host=127.0.0.1', `port=${doorRtcp}`, 'sync=false', 'async=false',
      ],
      { lifetimeMs: 90_000, watch: [PLAYING, CHAIN] },
    );
    cleanups.push(() => peer.kill());
    expect(await peer.waitFor(() => peer.count(PLAYING) > 0, 20_000), peer.output()).toBe(true);

    engine.addVideoDestination('rtpbin', { address: '127.0.0.1', port: videoPort!, payloadType: 96 });
    const dest = () => engine.stats().video.destinations.find((d) => d.id === 'rtpbin')!;
    await until('a receiver report about our video', () => dest().rtcpStats.fractionLost !== undefined, 40_000);
    await until('PLIs from rtpbin', () => dest().rtcpStats.pliReceived >= 2, 40_000);
    expect(await peer.waitFor(() => peer.count(CHAIN) >= 10, 20_000), peer.output()).toBe(true);
    const v = engine.stats().video;
    // The first key frame is the new destination's; the rest were asked for by PLI.
    expect(v.keyFramesForced).toBeGreaterThan(1);
    expect(v.keyFramesForced).toBeLessThanOrEqual(1 + v.rtcp.pliReceived);
    expect(v.rtcp).toMatchObject({ ignored: 0, malformed: 0 });
    console.log(JSON.stringify({ rtpbin: dest().rtcpStats, keyFramesForced: v.keyFramesForced, coalesced: v.keyFrameRequestsCoalesced }));
  }, 120_000);
});
