/**
 * Answers and offers with missing, duplicated and absurd fields, named and
 * random: negotiation returns a plan that media can use (ports, payload
 * types and addresses in range) or throws SdpError with a readable
 * reason, never anything else. Seeded; a failure prints seed, case and SDP.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'sdp-transform';
import { localMedia } from '../../../src/door/call/call-media.js';
import { answerOffer, planFromAnswer } from '../../../src/sdp/negotiate.js';
import { SdpError, type MediaPlan } from '../../../src/sdp/types.js';
import { BARESIP_ANSWER, DOOR_OFFER, LINPHONE_ANSWER } from '../../support/fixtures/own-traffic.js';
import { fuzzFailure, int, mutate, pick, prng, report, type Rng } from '../../support/fuzz.js';

const LOCAL = localMedia(
  { video: { available: true, port: 16386, rtcpPort: 16387, payloadType: 96, width: 640, height: 480, framerate: 15 }, audio: { available: true, port: 16384, codecs: ['opus', 'PCMU', 'PCMA'], send: true } },
  '127.0.0.1',
  'off',
  '1',
  1,
);

const lines = (sdp: string) => sdp.split('\r\n').filter(Boolean);
const join = (ls: string[]) => ls.map((l) => `${l}\r\n`).join('');
const edit = (sdp: string, f: (ls: string[]) => string[]) => join(f(lines(sdp)));

/** A plan media can act on: nothing out of range reaches GStreamer. */
function checkPlan(plan: MediaPlan): void {
  for (const s of [plan.audio, plan.video]) {
    if (!s) continue;
    expect(typeof s.address).toBe('string');
    expect(s.address.length).toBeGreaterThan(0);
    for (const p of [s.port, s.rtcpPort]) expect(Number.isInteger(p) && p >= 1 && p <= 65535, `port ${p}`).toBe(true);
    for (const pt of [s.codec.payloadType, s.dtmf?.payloadType ?? 0]) expect(Number.isInteger(pt) && pt >= 0 && pt <= 127, `payload type ${pt}`).toBe(true);
    expect(typeof s.codec.name).toBe('string');
    if (s.dtmf) expect(Number.isFinite(s.dtmf.clockRate) && s.dtmf.clockRate > 0).toBe(true);
  }
}

/** The outcome of one negotiation: ok, or SdpError with a one-line printable reason; anything else throws. */
function outcome(f: () => MediaPlan): 'ok' | 'refused' {
  let plan: MediaPlan;
  try {
    plan = f();
  } catch (e) {
    if (!(e instanceof SdpError)) throw e;
    // eslint-disable-next-line no-control-regex -- a reason must hold none
    expect(e.message).toMatch(/^[^\x00-\x1f\x7f]{1,300}$/);
    return 'refused';
  }
  checkPlan(plan);
  return 'ok';
}

function both(sdp: string): { answer: 'ok' | 'refused'; offer: 'ok' | 'refused' } {
  const answer = outcome(() => planFromAnswer(sdp, LOCAL));
  const offer = outcome(() => {
    const r = answerOffer(sdp, LOCAL);
    // Our answer must itself be SDP we could read back.
    expect(parse(r.sdp).media.length).toBeGreaterThan(0);
    return r.plan;
  });
  return { answer, offer };
}

const NAMED: Record<string, string> = {
  'no c= anywhere': edit(LINPHONE_ANSWER, (ls) => ls.filter((l) => !l.startsWith('c='))),
  'c= per m-line only': BARESIP_ANSWER,
  'c= on one m-line only': edit(BARESIP_ANSWER, (ls) => ls.filter((l, i) => !(l.startsWith('c=') && i > 6))),
  'port 0 on both': LINPHONE_ANSWER.replace('m=audio 7078', 'm=audio 0').replace('m=video 9078', 'm=video 0'),
  'port 99999': LINPHONE_ANSWER.replace('m=video 9078', 'm=video 99999'),
  'port 65535 (rtcp would be 65536)': LINPHONE_ANSWER.replace('m=video 9078', 'm=video 65535'),
  'port with /2 count': LINPHONE_ANSWER.replace('m=video 9078', 'm=video 9078/2'),
  'rtcp port 70000': LINPHONE_ANSWER.replace('a=rtcp:7079', 'a=rtcp:70000'),
  'huge payload type': LINPHONE_ANSWER.replace(/96/g, '4294967296'),
  'payload type 128': LINPHONE_ANSWER.replace(/96/g, '128'),
  'negative-looking payload': LINPHONE_ANSWER.replace('RTP/AVP 96', 'RTP/AVP -1'),
  'rtpmap missing for dynamic type': edit(LINPHONE_ANSWER, (ls) => ls.filter((l) => !l.startsWith('a=rtpmap:96'))),
  'rtpmap with numeric codec name': LINPHONE_ANSWER.replace('H264/90000', '1234/90000'),
  'rtpmap with no rate': LINPHONE_ANSWER.replace('H264/90000', 'H264'),
  'telephone-event with rate 0': LINPHONE_ANSWER.replace('telephone-event/8000', 'telephone-event/0'),
  'fmtp garbage': LINPHONE_ANSWER.replace('profile-level-id=42801F; packetization-mode=1', '\x01\x02;;;==;profile-level-id=ZZZZZZ'),
  'fmtp numeric': LINPHONE_ANSWER.replace('profile-level-id=42801F; packetization-mode=1', '12345'),
  'duplicate m=video': LINPHONE_ANSWER + 'm=video 9080 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n',
  'video before audio': edit(LINPHONE_ANSWER, (ls) => [...ls.slice(0, 5), ...ls.slice(8), ...ls.slice(5, 8)]),
  'IPv6 c= with IPv4 address': LINPHONE_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP6 127.0.0.1'),
  'IPv4 c= with IPv6 address': LINPHONE_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 ::1'),
  'numeric c= address': LINPHONE_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 127'),
  'host name in c=': LINPHONE_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 screen.example'),
  'multicast c= with ttl': LINPHONE_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 224.2.1.1/127'),
  'c= of garbage': LINPHONE_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 \x01\x02'),
  'no m= at all': edit(LINPHONE_ANSWER, (ls) => ls.slice(0, 5)),
  'unparseable m=': LINPHONE_ANSWER.replace('m=video 9078 RTP/AVP 96', 'm=video'),
  'numeric protocol': LINPHONE_ANSWER.replace('m=video 9078 RTP/AVP 96', 'm=video 9078 12 96'),
  'numeric direction-like attribute': LINPHONE_ANSWER.replace('a=recvonly', 'a=1'),
  'numeric crypto key': LINPHONE_ANSWER.replace('a=recvonly', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 12345'),
  '10,000 m-lines': LINPHONE_ANSWER + 'm=video 9078 RTP/AVP 96\r\n'.repeat(10_000),
  'non-UTF-8 bytes': Buffer.concat([Buffer.from(LINPHONE_ANSWER.slice(0, 40)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(LINPHONE_ANSWER.slice(40))]).toString('utf8'),
  'NUL bytes': LINPHONE_ANSWER.replace('s=Talk', 's=\0\0\0'),
  'LF only': LINPHONE_ANSWER.replace(/\r\n/g, '\n'),
  'empty': '',
  'only v=0': 'v=0\r\n',
  'a megabyte of a=': LINPHONE_ANSWER + `a=x:${'y'.repeat(1_000_000)}\r\n`,
  'our own offer back as the answer': DOOR_OFFER,
};

describe('negotiation with absurd SDP', () => {
  it('named cases: a usable plan or SdpError, from planFromAnswer and answerOffer alike', () => {
    const started = Date.now();
    const results: string[] = [];
    for (const [name, sdp] of Object.entries(NAMED)) {
      try {
        const r = both(sdp);
        results.push(`${name}=${r.answer}/${r.offer}`);
      } catch (e) {
        throw fuzzFailure(`SDP named case "${name}"`, 0, 0, sdp, e);
      }
    }
    report('SDP named absurd cases (answer/offer)', 0, Object.keys(NAMED).length * 2, Date.now() - started, results.join(', '));
  });

  it('refuses what cannot be sent to, and says why', () => {
    expect(() => planFromAnswer(NAMED['no m= at all']!, LOCAL)).toThrow(/no m= line/);
    expect(() => planFromAnswer(NAMED['no c= anywhere']!, LOCAL)).toThrow(/no c= address/);
    expect(() => planFromAnswer(NAMED['10,000 m-lines']!, LOCAL)).toThrow(SdpError);
    // A bad video line costs the video only: audio goes on.
    const plan = planFromAnswer(NAMED['port 99999']!, LOCAL);
    expect(plan.video).toBeUndefined();
    expect(plan.audio?.port).toBe(7078);
  });

  /** Line-level edits keep SDP shape better than byte edits: drop, duplicate, move, or set a field to something absurd. */
  function lineMutate(sdp: string, rnd: Rng): string {
    const ls = lines(sdp);
    const absurd = ['0', '-1', '99999', '4294967296', '1e309', 'NaN', '', ' ', '::', '0.0.0.0', 'x'.repeat(300), '\u00ff\u0000', '127', '96/2', 'H264/0', 'IP6 ::1'];
    for (let k = 0; k < 1 + int(rnd, 3); k++) {
      const i = int(rnd, ls.length);
      const op = rnd();
      if (op < 0.2) ls.splice(i, 1);
      else if (op < 0.4) ls.splice(i, 0, ls[int(rnd, ls.length)] ?? '');
      else if (op < 0.5) ls.push(...ls.splice(i, 1 + int(rnd, 3)));
      else {
        const words = (ls[i] ?? '').split(/([ :/=;])/);
        const w = int(rnd, words.length);
        words[w - (w % 2)] = pick(rnd, absurd);
        ls[i] = words.join('');
      }
    }
    return join(ls);
  }

  it('a few thousand random mutations of screens\' answers and offers', () => {
    const seed = 3264;
    const rnd = prng(seed);
    const seeds = [LINPHONE_ANSWER, BARESIP_ANSWER, DOOR_OFFER];
    const tally = { ok: 0, refused: 0 };
    const cases = 2000;
    const started = Date.now();
    for (let i = 0; i < cases; i++) {
      const base = seeds[i % seeds.length]!;
      const sdp = rnd() < 0.5 ? lineMutate(base, rnd) : mutate(Buffer.from(base), rnd).toString('utf8');
      try {
        const r = both(sdp);
        for (const v of [r.answer, r.offer]) tally[v]++;
      } catch (e) {
        throw fuzzFailure('SDP negotiation', seed, i, sdp, e);
      }
    }
    expect(tally.ok).toBeGreaterThan(100);
    expect(tally.refused).toBeGreaterThan(100);
    report('SDP negotiate (answers + offers), line and byte mutations', seed, cases * 2, Date.now() - started, `${tally.ok} usable plans, ${tally.refused} SdpError, nothing else thrown`);
  });
});
