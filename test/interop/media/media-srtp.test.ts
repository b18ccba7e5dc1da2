/**
 * SRTP (SDES, AES_CM_128_HMAC_SHA1_80) with real peers:
 * - our node:crypto SRTP against libsrtp (GStreamer srtpenc/srtpdec), both ways, across a ROC wrap;
 * - the built daemon rings a SIPp screen whose SDP carries a=crypto: GStreamer's srtpdec +
 *   openh264dec decode the door's video with the key from the door's INVITE, the door's audio
 *   authenticates with its audio key, and RFC 4733 digits open the door only when keyed right;
 * - the door's video RTCP to that screen is SRTCP (RFC 3711 §3.4): its SRs authenticate with the
 *   door's video key (GStreamer srtpdec and our SrtcpUnprotector), and only a PLI protected with
 *   the screen's own key (its answer's a=crypto) brings a key frame: plain or mis-keyed ones are
 *   dropped and counted;
 * - media.srtp = "mandatory" hangs up on a screen that answers without keys.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPli, buildReceiverReport, buildSdesCname } from '../../../src/media/rtcp/rtcp-build.js';
import { parseRtcp, type SenderReport } from '../../../src/media/rtcp/rtcp-packet.js';
import { buildRtp, parseRtp } from '../../../src/media/rtp/rtp-packet.js';
import { buildTelephoneEvent } from '../../../src/media/audio/dtmf-event.js';
import { masterKeyHex, newMasterKey, parseMasterKey } from '../../../src/media/srtp/master-key.js';
import { SrtcpProtector, SrtcpUnprotector } from '../../../src/media/srtp/srtcp.js';
import { SrtpSession } from '../../../src/media/srtp/srtp-session.js';
import { useCleanups } from '../../support/cleanups.js';
import { converse, tempDir, type RunningDaemon } from '../../support/daemon.js';
import { startDaemonCleanedBy } from '../../support/watched-daemon.js';
import { drainEvents, callStates } from '../../support/events.js';
import { CHAIN, PLAYING, gstLaunch } from '../../support/gst-launch.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { startH264Receiver } from '../../support/gst-receiver.js';
import { freePort } from '../../support/ports.js';
import { expectScenarioEnded, hasSipp, startSipp } from '../../support/sipp.js';
import { until } from '../../support/wait.js';

const cleanups = useCleanups();

function udp(port = 0): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(port, '127.0.0.1', () => resolve(s));
    cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  });
}

/** Whether an H.264 RTP payload starts an IDR or carries an SPS (RFC 6184 §5.6-5.8: single NAL, STAP-A, FU-A start). */
function startsKeyFrame(payload: Buffer): boolean {
  if (payload.length < 2) return false;
  const t = payload[0]! & 0x1f;
  if (t === 5 || t === 7) return true;
  if (t === 28) return (payload[1]! & 0x80) !== 0 && [5, 7].includes(payload[1]! & 0x1f);
  if (t !== 24) return false;
  for (let o = 1; o + 2 < payload.length; ) {
    const len = payload.readUInt16BE(o);
    if (len === 0 || o + 2 + len > payload.length) break;
    if ([5, 7].includes(payload[o + 2]! & 0x1f)) return true;
    o += 2 + len;
  }
  return false;
}

const pcmu = (seq: number, ssrc: number) => buildRtp({ marker: false, payloadType: 0, sequence: seq & 0xffff, timestamp: seq * 160, ssrc }, Buffer.alloc(160, 0xff));

describe('our SRTP against libsrtp (GStreamer srtpenc/srtpdec)', () => {
  it('unprotects what srtpenc sends, across a sequence number wrap', async () => {
    const key = newMasterKey();
    const session = SrtpSession.create({ local: newMasterKey(), remote: key })!;
    const sock = await udp();
    let ok = 0;
    sock.on('message', (m) => session.unprotectRtp(m) && ok++);
    const tx = gstLaunch(
      ['audiotestsrc', 'num-buffers=40', '!', 'mulawenc', '!', 'rtppcmupay', 'seqnum-offset=65520', '!', 'srtpenc', `key=${masterKeyHex(key)}`, '!', 'udpsink', 'host=127.0.0.1', `port=${sock.address().port}`],
      { lifetimeMs: 30_000 },
    );
    cleanups.push(() => tx.kill());
    await until('40 packets authenticated', () => ok >= 40, 20_000);
    expect(session.stats()).toEqual({ authFailures: 0, replays: 0, malformed: 0 });
  });

  it('srtpdec takes what we protect, across a sequence number wrap', async () => {
    const key = newMasterKey();
    const session = SrtpSession.create({ local: key, remote: newMasterKey() })!;
    const [port] = await freeUdpPorts(1);
    const ssrc = 0x11223344;
    const caps = `application/x-srtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0,ssrc=(uint)${ssrc},srtp-key=(buffer)${masterKeyHex(key)},srtp-cipher=aes-128-icm,srtp-auth=hmac-sha1-80,srtcp-cipher=aes-128-icm,srtcp-auth=hmac-sha1-80`;
    const rx = gstLaunch(['-v', 'udpsrc', 'address=127.0.0.1', `port=${port}`, `caps=${caps}`, '!', 'srtpdec', '!', 'rtppcmudepay', '!', 'fakesink', 'silent=false'], {
      lifetimeMs: 30_000,
      watch: [PLAYING, CHAIN],
    });
    cleanups.push(() => rx.kill());
    expect(await rx.waitFor(() => rx.count(PLAYING) > 0, 10_000)).toBe(true);
    const sock = await udp();
    for (let i = 0; i < 40; i++) {
      sock.send(session.protectRtp(pcmu(65530 + i, ssrc))!, port!, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await rx.waitFor(() => rx.count(CHAIN) >= 35, 10_000), rx.output()).toBe(true);
  });
});

describe.skipIf(!hasSipp)('door with media.srtp and a SIPp screen', () => {
  async function door(screenPort: number, srtp: string, extra = ''): Promise<RunningDaemon> {
    const rtp = await freeRtpRange(8);
    return startDaemonCleanedBy(
      cleanups,
      `[call]\ntargets = ["sip:screen@127.0.0.1:${screenPort}"]\nring_timeout = 20\n[media]\nrtp_ports = "${rtp}"\nsrtp = "${srtp}"\n${extra}[log]\nlevel = "trace"\n`,
      { timeoutMs: 90_000 },
    );
  }

  it('the screen decodes the door\'s SRTP video (srtpdec + openh264dec) with the key from the INVITE; audio and DTMF are keyed', async () => {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const keyfile = join(tempDir('srtp-keys-'), 'keys');
    const screenAudioKey = newMasterKey();
    const sipPort = await freePort();
    const s = startSipp('screen-early-answer-srtp', sipPort, { videoport: videoPort!, audioport: audioPort!, keyfile, audiokey: screenAudioKey, videokey: newMasterKey(), proto: 'RTP/SAVP' }, 60_000);
    cleanups.push(() => s.kill());
    const d = await door(sipPort, 'mandatory', `[door]\nopen_code = "1234"\nallowed = ["sip:screen@127.0.0.1"]\n`);

    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('SIPp wrote the door\'s keys', () => existsSync(keyfile), 10_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${s.output()}`);
    });
    const [doorAudioPort, doorAudioKey, doorVideoKey] = readFileSync(keyfile, 'utf8').trim().split(' ');
    expect(doorVideoKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(doorAudioKey).not.toBe(doorVideoKey);
    // SPEC §5: keys never in the log, even at trace (which prints every SIP message).
    expect(d.output()).toContain('inline:(hidden)');
    expect(d.output()).not.toContain(doorVideoKey);
    expect(d.output()).not.toContain(doorAudioKey);

    // The video socket learns the SSRC srtpdec needs in its caps, then relays every packet to the decoder.
    const video = await udp(videoPort);
    const [decoderPort] = await freeUdpPorts(1);
    let rx: Awaited<ReturnType<typeof startH264Receiver>> | undefined;
    const early: Buffer[] = [];
    video.on('message', (m) => {
      if (!rx) {
        early.push(m);
        if (early.length === 1) {
          void startH264Receiver(decoderPort!, { srtp: { keyHex: masterKeyHex(doorVideoKey!), ssrc: m.readUInt32BE(8) }, lifetimeMs: 60_000 }).then((r) => {
            rx = r;
            cleanups.push(() => r.kill());
          });
        }
        return;
      }
      video.send(m, decoderPort!, '127.0.0.1');
    });
    await until('SRTP video decoded while ringing', () => (rx?.frames() ?? 0) >= 3, 20_000);
    expect(await converse(d.socket, 'call-status 1\n')).toContain('LinphoneCallOutgoingEarlyMedia');
    // What srtpenc sent also authenticates with our own SRTP code under the key from the INVITE.
    expect(SrtpSession.create({ local: newMasterKey(), remote: doorVideoKey! })!.unprotectRtp(early[0]!)).toBeDefined();

    // After the answer: the door's audio authenticates with its audio key; ours to it with the screen's key.
    const screenSide = SrtpSession.create({ local: screenAudioKey, remote: doorAudioKey! })!;
    const audio = await udp(audioPort);
    let audioOk = 0;
    audio.on('message', (m) => screenSide.unprotectRtp(m) && audioOk++);
    await until('answered', async () => (await converse(d.socket, 'call-status 1\n')).includes('LinphoneCallStreamsRunning'), 15_000);
    await until('SRTP audio from the door', () => audioOk > 10, 10_000);
    expect(screenSide.stats().authFailures).toBe(0);

    // RFC 4733 "1234": first with a wrong key (must never become digits), then replayed, then right.
    const forger = SrtpSession.create({ local: newMasterKey(), remote: newMasterKey() })!;
    const ssrc = 0x5ec0de;
    let seq = 1000;
    const press = (session: SrtpSession, digit: number, ts: number) =>
      [false, true, true].map((end) => session.protectRtp(buildRtp({ marker: !end, payloadType: 101, sequence: seq++, timestamp: ts, ssrc }, buildTelephoneEvent({ event: digit, end, volume: 10, duration: end ? 800 : 160 })))!);
    const send = async (packets: Buffer[]) => {
      for (const p of packets) {
        audio.send(p, Number(doorAudioPort), '127.0.0.1');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    for (const [i, digit] of [1, 2, 3, 4].entries()) await send(press(forger, digit, 8000 * (i + 1)));
    const keyed = [1, 2, 3, 4].flatMap((digit, i) => press(screenSide, digit, 80_000 + 8000 * i));
    await send(keyed.slice(0, 3));
    await send(keyed.slice(0, 3)); // replayed press of "1"
    await send(keyed.slice(3));
    await until('door opened', async () => (await drainEvents(d)).some((e) => e.type === 'door-opened'), 10_000).catch(() => undefined);
    const stats = await converse(d.socket, 'call-stats 1\n');
    expect(stats).toContain('Audio-srtp: yes');
    expect(stats).toMatch(/Audio-srtp-auth-failures: 1[2-9]\n/);
    expect(stats).toMatch(/Audio-srtp-replays: [3-9]\n/);
    expect(stats).toMatch(/Video-destinations: 127\.0\.0\.1:\d+ srtp\n/);
    expect(d.output()).toMatch(/event door-opened By=sip:screen@127\.0\.0\.1:\d+ Method=dtmf Relay=door/);
    expect(d.output()).not.toMatch(/door-refused/);

    await converse(d.socket, 'terminate 1\n');
    await expectScenarioEnded(s);
  });

  it('video RTCP is SRTCP: SRs authenticate with the door\'s key (srtpdec and ours); only a PLI under the screen\'s key brings a key frame', async () => {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const keyfile = join(tempDir('srtcp-keys-'), 'keys');
    const screenVideoKey = newMasterKey();
    const sipPort = await freePort();
    const s = startSipp('screen-early-answer-srtp', sipPort, { videoport: videoPort!, audioport: audioPort!, keyfile, audiokey: newMasterKey(), videokey: screenVideoKey, proto: 'RTP/SAVP' }, 100_000);
    cleanups.push(() => s.kill());
    const d = await door(sipPort, 'mandatory');
    const doorRtcpPort = Number((await until('the video RTCP port in the log', () => /RTCP on (\d+)/.exec(d.output()) ?? undefined, 20_000))[1]);
    const stat = async (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(await converse(d.socket, 'call-stats 1\n'))?.[1];

    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('SIPp wrote the door\'s keys', () => existsSync(keyfile), 10_000);
    const doorVideoKey = readFileSync(keyfile, 'utf8').trim().split(' ')[2]!;

    // The screen's RTP port: the door's SRTP video, unprotected with the door's key, watched for key frames.
    const rtpIn = SrtpSession.create({ local: newMasterKey(), remote: doorVideoKey })!;
    const video = await udp(videoPort);
    let rtpSsrc: number | undefined;
    let keyFrames = 0;
    let lastKeyFrameTs: number | undefined;
    video.on('message', (m) => {
      const p = rtpIn.unprotectRtp(m);
      const rtp = p && parseRtp(p);
      if (!rtp) return;
      rtpSsrc = rtp.ssrc;
      // SPS, PPS and IDR may come in several packets: one key frame per RTP timestamp.
      if (startsKeyFrame(rtp.payload) && rtp.timestamp !== lastKeyFrameTs) {
        lastKeyFrameTs = rtp.timestamp;
        keyFrames++;
      }
    });

    // The screen's RTCP port (video port + 1, RFC 3550 §11): every packet is checked by our
    // SrtcpUnprotector under the door's key, and relayed to a GStreamer srtpdec keyed the same way.
    const rtcp = await udp(videoPort! + 1);
    const rtcpIn = new SrtcpUnprotector(parseMasterKey(doorVideoKey)!);
    const srs: SenderReport[] = [];
    let byes = 0;
    let rtcpDropped = 0;
    const [srtpdecPort] = await freeUdpPorts(1);
    let srtpdec: ReturnType<typeof gstLaunch> | undefined;
    rtcp.on('message', (m) => {
      const r = rtcpIn.unprotect(m);
      if (!r.ok) {
        rtcpDropped++;
        return;
      }
      for (const p of parseRtcp(r.packet).packets) {
        if (p.type === 'sr') srs.push(p);
        if (p.type === 'bye') byes++;
      }
      if (!srtpdec) {
        const caps = `application/x-srtcp,ssrc=(uint)${m.readUInt32BE(4)},srtp-key=(buffer)${masterKeyHex(doorVideoKey)},srtp-cipher=aes-128-icm,srtp-auth=hmac-sha1-80,srtcp-cipher=aes-128-icm,srtcp-auth=hmac-sha1-80`;
        srtpdec = gstLaunch(['-v', 'udpsrc', 'address=127.0.0.1', `port=${srtpdecPort}`, `caps=${caps}`, '!', 'dec.rtcp_sink', 'srtpdec', 'name=dec', 'dec.rtcp_src', '!', 'fakesink', 'silent=false'], {
          lifetimeMs: 90_000,
          watch: [PLAYING, CHAIN],
        });
        const dec = srtpdec;
        cleanups.push(() => dec.kill());
        return;
      }
      if (srtpdec.count(PLAYING) > 0) rtcp.send(m, srtpdecPort!, '127.0.0.1');
    });

    await until('SRTCP sender reports from the door', () => srs.length >= 2, 30_000).catch((e: Error) => {
      throw new Error(`${e.message} (dropped ${rtcpDropped}, video SSRC ${rtpSsrc})\n${d.output().split('\n').filter((l) => /video|rtcp|warn|error/i.test(l)).join('\n')}`);
    });
    expect(rtcpDropped).toBe(0);
    expect(srs.at(-1)!.ssrc).toBe(rtpSsrc);
    expect(await srtpdec!.waitFor(() => srtpdec!.count(CHAIN) >= 2, 20_000), srtpdec!.output()).toBe(true);

    // Answered: the destination stays, and nothing else forces key frames from here on.
    await until('answered', async () => (await converse(d.socket, 'call-status 1\n')).includes('LinphoneCallStreamsRunning'), 20_000);
    const screenSsrc = 0x5c5c5c5c;
    const pli = () => Buffer.concat([buildReceiverReport(screenSsrc), buildSdesCname(screenSsrc, 'screen'), buildPli(screenSsrc, rtpSsrc!)]);
    const send = (b: Buffer) => new Promise<void>((r) => rtcp.send(b, doorRtcpPort, '127.0.0.1', () => r()));
    // Past the key frame limiter's window (500 ms), so no key frame asked for before now is still pending.
    await new Promise((r) => setTimeout(r, 1500));
    const forcedBefore = Number(await stat('Video-keyframes-forced'));

    // A plain PLI, and one protected with the door's own key (anyone ringing with the door knows it): not the screen's.
    await send(pli());
    await send(new SrtcpProtector(parseMasterKey(doorVideoKey)!).protect(pli())!);
    await until('both dropped as unauthenticated', async () => (await stat('Video-srtcp-auth-failures')) === '2', 10_000);
    expect(await stat('Video-pli-received')).toBe('0');
    expect(Number(await stat('Video-keyframes-forced'))).toBe(forcedBefore);

    // The screen's own key: a key frame, asked for (forced), not just the next GOP's.
    const screenOut = new SrtcpProtector(parseMasterKey(screenVideoKey)!);
    const seen = keyFrames;
    const keyed = screenOut.protect(pli())!;
    await send(keyed);
    await until('the PLI counted', async () => (await stat('Video-pli-received')) === '1', 10_000);
    await until('a key frame after the SRTCP PLI', () => keyFrames > seen, 10_000);
    await until('the key frame forced', async () => Number(await stat('Video-keyframes-forced')) > forcedBefore, 10_000);
    // Replayed: dropped and counted (RFC 3711 §3.3.2).
    await send(keyed);
    await until('the replay counted', async () => (await stat('Video-srtcp-replays')) === '1', 10_000);
    expect(await stat('Video-pli-received')).toBe('1');
    expect(await stat('Video-rtcp-destinations')).toMatch(new RegExp(`^127\\.0\\.0\\.1:${videoPort} sr=\\d+ pli=1 fir=0$`));

    // The call ends: an SRTCP BYE (RFC 3550 §6.6) that authenticates too.
    await converse(d.socket, 'terminate 1\n');
    await until('an SRTCP BYE', () => byes > 0, 10_000);
    expect(rtcpDropped).toBe(0);
    await expectScenarioEnded(s);
    expect(d.output()).not.toContain(doorVideoKey);
    expect(d.output()).not.toContain(screenVideoKey);
  }, 120_000);

  it('"mandatory": a screen answering without a=crypto gets no media and is hung up, with a reason', async () => {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const video = await udp(videoPort);
    let videoPackets = 0;
    video.on('message', () => videoPackets++);
    const sipPort = await freePort();
    const s = startSipp('screen-answer-plain-hungup', sipPort, { videoport: videoPort!, audioport: audioPort! }, 60_000);
    cleanups.push(() => s.kill());
    const d = await door(sipPort, 'mandatory');
    await converse(d.socket, 'ring\n');
    await expectScenarioEnded(s); // 183, 200, ACK, then our BYE and its 200
    expect(videoPackets).toBe(0);
    const events = await drainEvents(d);
    const refused = events.filter((e) => e.type === 'srtp-refused');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.fields.Reason).toMatch(/SRTP/);
    expect(callStates(events).slice(-2)).toEqual(['LinphoneCallError', 'LinphoneCallReleased']);
    expect(d.output()).toMatch(/refused: answer refused, hanging up/);
  });

  it('"mandatory": an allowed screen calling in with plain RTP gets 488, with a reason', async () => {
    const doorPort = await freePort();
    const rtp = await freeRtpRange(8);
    const d = await startDaemonCleanedBy(
      cleanups,
      `[sip]\nlisten = ["udp:127.0.0.1:${doorPort}"]\nidentity = "sip:door@127.0.0.1"\n[door]\nallowed = ["sip:screen@127.0.0.1"]\n[media]\nrtp_ports = "${rtp}"\nsrtp = "mandatory"\n`,
      { timeoutMs: 60_000 },
    );
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const s = startSipp('door-caller-plain-488', await freePort(), { user: 'screen', videoport: videoPort!, audioport: audioPort! }, { remote: `127.0.0.1:${doorPort}`, lifetimeMs: 30_000 });
    cleanups.push(() => s.kill());
    await expectScenarioEnded(s);
    const refused = (await drainEvents(d)).filter((e) => e.type === 'srtp-refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.fields.Reason).toMatch(/^call refused with 488: .*SRTP/);
  });

  it('"optional": a screen answering without keys still sees the door, in plain RTP', async () => {
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const rx = await startH264Receiver(videoPort!, { lifetimeMs: 60_000 });
    cleanups.push(() => rx.kill());
    const sipPort = await freePort();
    const s = startSipp('screen-early-answer', sipPort, { videoport: videoPort!, audioport: audioPort! }, 60_000);
    cleanups.push(() => s.kill());
    const d = await door(sipPort, 'optional');
    await converse(d.socket, 'ring\n');
    expect(await rx.waitFrames(3, 20_000), d.output().split('\n').filter((l) => /video|warn|error/i.test(l)).join('\n')).toBe(true);
    await until('answered', async () => (await converse(d.socket, 'call-status 1\n')).includes('LinphoneCallStreamsRunning'), 15_000);
    expect(await converse(d.socket, 'call-stats 1\n')).toContain('Audio-srtp: no');
    await converse(d.socket, 'terminate 1\n');
    await expectScenarioEnded(s);
  });
});
