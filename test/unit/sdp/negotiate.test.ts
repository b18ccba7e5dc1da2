import { describe, expect, it } from 'vitest';
import { parse } from 'sdp-transform';
import { audioCodecs, videoCodecs } from '../../../src/sdp/codecs.js';
import { answerOffer, planFromAnswer } from '../../../src/sdp/negotiate.js';
import { buildOffer } from '../../../src/sdp/offer.js';
import { SdpError, SrtpRequiredError, type LocalMedia } from '../../../src/sdp/types.js';

const KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';
const THEIR_KEY = 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR';

function local(srtp: LocalMedia['srtp'] = 'off'): LocalMedia {
  const crypto = srtp === 'off' ? undefined : { suite: 'AES_CM_128_HMAC_SHA1_80' as const, key: KEY };
  return {
    address: '192.0.2.10',
    sessionId: '1234',
    sessionVersion: 1,
    srtp,
    audio: { port: 16384, codecs: audioCodecs(['opus', 'PCMU', 'PCMA']), direction: 'sendrecv', crypto },
    video: { port: 16386, codecs: videoCodecs(), direction: 'sendonly', crypto },
  };
}

const crlf = (s: string) => s.trim().split('\n').map((l) => l.trim()).join('\r\n') + '\r\n';

/** What linphone-daemon answers in a 183 (LAB.md): PCMU, H264 42801F, video recvonly. */
const LINPHONE_183 = crlf(`
  v=0
  o=homescreen 3000 3001 IN IP4 127.0.0.1
  s=Talk
  c=IN IP4 127.0.0.1
  t=0 0
  m=audio 7078 RTP/AVP 0 101
  a=rtpmap:101 telephone-event/8000
  a=rtcp:7079
  m=video 9078 RTP/AVP 96
  a=rtpmap:96 H264/90000
  a=fmtp:96 profile-level-id=42801F; packetization-mode=1
  a=recvonly
`);

describe('offer', () => {
  it('offers H.264 sendonly and Opus/PCMU/PCMA + telephone-event sendrecv (SPEC section 4)', () => {
    const sdp = parse(buildOffer(local()));
    const [audio, video] = sdp.media;
    expect(audio!.type).toBe('audio');
    expect(audio!.protocol).toBe('RTP/AVP');
    expect(audio!.rtp.map((r) => r.codec)).toEqual(['opus', 'PCMU', 'PCMA', 'telephone-event', 'telephone-event']);
    expect(audio!.direction).toBe('sendrecv');
    expect(video!.rtp).toEqual([{ payload: 96, codec: 'H264', rate: 90000 }]);
    expect(video!.fmtp[0]!.config).toContain('packetization-mode=1');
    expect(video!.direction).toBe('sendonly');
    expect(video!.rtcpFb?.map((f) => `${f.type} ${f.subtype}`)).toContain('nack pli');
  });

  it('offers RTP/SAVP with a crypto line when SRTP is mandatory, RTP/AVP + crypto when optional', () => {
    expect(parse(buildOffer(local('mandatory'))).media[0]!.protocol).toBe('RTP/SAVP');
    const opt = parse(buildOffer(local('optional'))).media[0]!;
    expect(opt.protocol).toBe('RTP/AVP');
    expect(opt.crypto?.[0]).toEqual({ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY}` });
  });
});

describe('answer to our offer → plan', () => {
  it('takes linphone\'s 183: PCMU with its DTMF, video we send to its port', () => {
    const plan = planFromAnswer(LINPHONE_183, local());
    expect(plan.audio).toMatchObject({ address: '127.0.0.1', port: 7078, rtcpPort: 7079, codec: { name: 'PCMU', payloadType: 0 }, dtmf: { payloadType: 101 }, send: true, recv: true });
    expect(plan.video).toMatchObject({ address: '127.0.0.1', port: 9078, rtcpPort: 9079, codec: { name: 'H264', payloadType: 96 }, send: true, recv: false });
  });

  it('sends with the payload number the peer answered (RFC 3264 §5.1)', () => {
    const plan = planFromAnswer(LINPHONE_183.replace(/96/g, '102'), local());
    expect(plan.video!.codec.payloadType).toBe(102);
  });

  it('leaves out a stream the peer rejected with port 0', () => {
    const plan = planFromAnswer(LINPHONE_183.replace('m=video 9078', 'm=video 0'), local());
    expect(plan.video).toBeUndefined();
    expect(plan.audio).toBeDefined();
  });

  it('does not send to a peer holding us with c=0.0.0.0 or inactive', () => {
    expect(planFromAnswer(LINPHONE_183.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0'), local()).audio!.send).toBe(false);
    expect(planFromAnswer(LINPHONE_183.replace('a=recvonly', 'a=inactive'), local()).video!.send).toBe(false);
  });

  it('refuses an answer with a different number of m-lines', () => {
    const oneLine = LINPHONE_183.slice(0, LINPHONE_183.indexOf('m=video'));
    expect(() => planFromAnswer(oneLine, local())).toThrow(/1 m-lines for the 2 offered/);
  });

  it('refuses an answer without SRTP keys when SRTP is mandatory, keeps both keys when given', () => {
    expect(() => planFromAnswer(LINPHONE_183, local('mandatory'))).toThrow(SdpError);
    const withKeys = LINPHONE_183.replace(/(m=(audio|video)[^\r]*\r\n)/g, `$1a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${THEIR_KEY}|2^31\r\n`);
    const plan = planFromAnswer(withKeys, local('mandatory'));
    expect(plan.audio!.srtp).toEqual({ local: { suite: 'AES_CM_128_HMAC_SHA1_80', key: KEY, tag: 1 }, remote: { suite: 'AES_CM_128_HMAC_SHA1_80', key: THEIR_KEY, tag: 1 } });
    expect(plan.video!.srtp?.remote.key).toBe(THEIR_KEY);
  });

  it('with "optional", talks plain RTP to an answer without keys, SRTP to one with', () => {
    const plain = planFromAnswer(LINPHONE_183, local('optional'));
    expect(plain.audio!.srtp).toBeUndefined();
    expect(plain.video!.srtp).toBeUndefined();
    const keyed = planFromAnswer(LINPHONE_183.replace(/(m=audio[^\r]*\r\n)/, `$1a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${THEIR_KEY}\r\n`), local('optional'));
    expect(keyed.audio!.srtp?.remote.key).toBe(THEIR_KEY);
    expect(keyed.video!.srtp).toBeUndefined();
  });

  it('takes no key it cannot use: other suite, MKI, wrong length, session parameters (RFC 4568 §6)', () => {
    const withLine = (line: string) => LINPHONE_183.replace(/(m=(audio|video)[^\r]*\r\n)/g, `$1${line}\r\n`);
    for (const bad of [
      `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${THEIR_KEY}`,
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${THEIR_KEY}|2^20|1:4`,
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${THEIR_KEY} UNENCRYPTED_SRTP`,
    ]) {
      expect(() => planFromAnswer(withLine(bad), local('mandatory')), bad).toThrow(SrtpRequiredError);
    }
    // The second line is usable: the first usable one wins.
    const two = withLine(`a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${THEIR_KEY}\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${THEIR_KEY}`);
    expect(planFromAnswer(two, local('mandatory')).audio!.srtp?.remote.tag).toBe(2);
  });

  it('refuses RTP/SAVP without a usable key even when SRTP is only optional', () => {
    expect(() => planFromAnswer(LINPHONE_183.replace('RTP/AVP 0 101', 'RTP/SAVP 0 101'), local('optional'))).toThrow(SrtpRequiredError);
  });

  it('rejects garbage with an SdpError, not a crash', () => {
    for (const junk of ['', 'hello', 'v=0\r\nm=audio x RTP/AVP\r\n', 'v=0\r\nm=audio 5000 RTP/AVP 0\r\n']) {
      expect(() => planFromAnswer(junk, local()), JSON.stringify(junk)).toThrow(SdpError);
    }
  });
});

describe('answering a remote offer (incoming call, re-INVITE)', () => {
  /** An offer like a linphone screen calling the door: audio + video sendrecv, VP8 first. */
  const SCREEN_OFFER = crlf(`
    v=0
    o=screen 1 1 IN IP4 127.0.0.1
    s=Talk
    c=IN IP4 127.0.0.1
    t=0 0
    m=audio 7078 RTP/AVP 96 0 8 101
    a=rtpmap:96 opus/48000/2
    a=rtpmap:101 telephone-event/48000
    m=video 9078 RTP/AVP 97 98
    a=rtpmap:97 VP8/90000
    a=rtpmap:98 H264/90000
    a=fmtp:98 profile-level-id=42801F;packetization-mode=1
    m=text 5000 RTP/AVP 99
    a=rtpmap:99 t140/1000
  `);

  it('accepts audio and video with the offer\'s numbers, video sendonly, text rejected in place', () => {
    const { sdp, plan } = answerOffer(SCREEN_OFFER, local());
    const media = parse(sdp).media;
    expect(media.map((m) => [m.type, m.port])).toEqual([['audio', 16384], ['video', 16386], ['text', 0]]);
    expect(media[0]!.rtp[0]).toMatchObject({ payload: 96, codec: 'opus' });
    expect(media[0]!.rtp.map((r) => r.payload)).toEqual([96, 0, 8, 101]);
    expect(media[1]!.rtp).toEqual([{ payload: 98, codec: 'H264', rate: 90000 }]);
    expect(media[1]!.direction).toBe('sendonly');
    expect(plan.audio).toMatchObject({ codec: { name: 'opus', payloadType: 96 }, dtmf: { payloadType: 101 }, send: true, recv: true });
    expect(plan.video).toMatchObject({ codec: { payloadType: 98 }, send: true, recv: false });
  });

  it('answers hold (sendonly offer) with recvonly and stops sending', () => {
    const hold = SCREEN_OFFER.replace('m=audio 7078 RTP/AVP 96 0 8 101\r\n', 'm=audio 7078 RTP/AVP 96 0 8 101\r\na=sendonly\r\n');
    const { sdp, plan } = answerOffer(hold, local());
    expect(parse(sdp).media[0]!.direction).toBe('recvonly');
    expect(plan.audio).toMatchObject({ send: false, recv: true });
  });

  it('refuses an offer with nothing usable', () => {
    expect(() => answerOffer(SCREEN_OFFER.replace(/ 0 8 101/, '').replace('opus/48000/2', 'G729/8000').replace('m=video 9078 RTP/AVP 97 98', 'm=video 9078 RTP/AVP 97'), local())).toThrow(/no offered stream is usable/);
  });

  it('refuses a plain RTP offer when SRTP is mandatory, and answers SDES with our key', () => {
    expect(() => answerOffer(SCREEN_OFFER, local('mandatory'))).toThrow(SdpError);
    const savp = SCREEN_OFFER.replace('m=audio 7078 RTP/AVP', 'm=audio 7078 RTP/SAVP').replace('a=rtpmap:96 opus/48000/2', `a=rtpmap:96 opus/48000/2\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${THEIR_KEY}`);
    const { sdp, plan } = answerOffer(savp, local('optional'));
    const audio = parse(sdp).media[0]!;
    expect(audio.protocol).toBe('RTP/SAVP');
    expect(audio.crypto?.[0]?.config).toBe(`inline:${KEY}`);
    expect(plan.audio!.srtp?.remote.key).toBe(THEIR_KEY);
  });

  it('answers with the tag of the crypto line it took (RFC 4568 §5.1.2), and in the offer\'s transport', () => {
    const avp = SCREEN_OFFER.replace('a=rtpmap:96 opus/48000/2', `a=rtpmap:96 opus/48000/2\r\na=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:${THEIR_KEY}`);
    const audio = parse(answerOffer(avp, local('optional')).sdp).media[0]!;
    expect(audio.protocol).toBe('RTP/AVP');
    expect(audio.crypto).toEqual([{ id: 7, suite: 'AES_CM_128_HMAC_SHA1_80', config: `inline:${KEY}` }]);
    // SRTP off: best-effort keys in RTP/AVP are declined by leaving crypto out.
    expect(parse(answerOffer(avp, local('off')).sdp).media[0]!.crypto).toBeUndefined();
  });

  it('with "mandatory", refuses an offer where one taken stream has no key (none may go in the clear)', () => {
    const audioOnlyKeyed = SCREEN_OFFER.replace('m=audio 7078 RTP/AVP', 'm=audio 7078 RTP/SAVP').replace('a=rtpmap:96 opus/48000/2', `a=rtpmap:96 opus/48000/2\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${THEIR_KEY}`);
    expect(() => answerOffer(audioOnlyKeyed, local('mandatory'))).toThrow(SrtpRequiredError);
    expect(() => answerOffer(SCREEN_OFFER, local('mandatory'))).toThrow(/SRTP/);
  });
});
