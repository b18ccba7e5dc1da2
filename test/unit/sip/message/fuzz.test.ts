/**
 * Random mutations of the RFC 4475 messages and of our own traffic (the
 * door's INVITE with SDP, screens' 183/200, REGISTER with digest
 * credentials): whatever the bytes, the parser returns a message or throws
 * SipParseError, in bounded time. The PRNG is seeded so a failure
 * reproduces from the printed seed and case number.
 */
import { describe, expect, it } from 'vitest';
import {
  createErrorResponse,
  parseMessage,
  readMessage,
  serialiseMessage,
  SipParseError,
  StreamFramer,
  type SipMessage,
} from '../../../../src/sip/message/index.js';
import { ALL } from '../../../support/fixtures/rfc4475/messages.js';
import { OWN_TRAFFIC } from '../../../support/fixtures/own-traffic.js';
import { fuzzFailure, mutate, prng, report } from '../../../support/fuzz.js';
import { localMedia } from '../../../../src/door/call/call-media.js';
import { planFromAnswer } from '../../../../src/sdp/negotiate.js';
import { SdpError } from '../../../../src/sdp/types.js';
import { ChallengeParseError, parseChallenges } from '../../../../src/sip/auth/index.js';

/** Runs `f`; anything thrown must be a SipParseError. */
function tolerant(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
  }
}

function exercise(m: SipMessage): void {
  for (const get of [() => m.vias, () => m.from, () => m.to, () => m.cseq, () => m.callId, () => m.contacts, () => m.routes, () => m.recordRoutes]) {
    tolerant(get);
  }
  if (m.kind === 'request') tolerant(() => m.parsedUri);
  tolerant(() => parseMessage(serialiseMessage(m)));
}

describe('mutated messages', () => {
  const sources = Object.values(ALL).map((m) => m.bytes);

  it('parse or throw SipParseError, never anything else', () => {
    const rnd = prng(4475);
    let parsed = 0;
    let rejected = 0;
    const started = Date.now();
    for (let i = 0; i < 4000; i++) {
      const data = mutate(sources[i % sources.length] as Buffer, rnd);
      const transport = rnd() < 0.5 ? 'datagram' : 'stream';
      try {
        exercise(parseMessage(data, { transport }));
        parsed++;
      } catch (e) {
        if (!(e instanceof SipParseError)) throw new Error(`iteration ${i}: ${String(e)}\n${data.toString('latin1')}`);
        expect(e.reason).toMatch(/^[\x20-\x7e]+$/);
        const reply = createErrorResponse(e, readMessage(data, { transport }).request);
        if (reply) serialiseMessage(reply);
        rejected++;
      }
    }
    // Both outcomes happen, and the whole run stays fast (no pathological backtracking).
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
    expect(Date.now() - started).toBeLessThan(20_000);
    report('SIP parser, mutated RFC 4475', 4475, 4000, Date.now() - started, `${parsed} parsed, ${rejected} SipParseError, nothing else thrown`);
  });

  it('through the stream framer in random chunks', () => {
    const started = Date.now();
    const rnd = prng(5626);
    for (let i = 0; i < 500; i++) {
      const data = Buffer.concat([mutate(sources[i % sources.length] as Buffer, rnd), mutate(sources[(i + 7) % sources.length] as Buffer, rnd)]);
      const f = new StreamFramer({ maxHeaderBytes: 8192, maxBodyBytes: 8192 });
      let at = 0;
      while (at < data.length) {
        const len = 1 + Math.floor(rnd() * 200);
        for (const ev of f.push(data.subarray(at, at + len))) {
          if (ev.type === 'message') exercise(ev.message);
          if (ev.type === 'error' || ev.type === 'invalid') expect(ev.error).toBeInstanceOf(SipParseError);
        }
        at += len;
      }
      expect(f.buffered).toBeLessThanOrEqual(data.length);
    }
    report('SIP stream framer, mutated pairs in random chunks', 5626, 500, Date.now() - started, 'only messages or SipParseError events');
  });
});

describe('mutated own traffic (door INVITE with SDP, screens\' 183/200, REGISTER with auth, 401)', () => {
  const names = Object.keys(OWN_TRAFFIC);
  const local = localMedia(
    { video: { available: true, port: 16386, rtcpPort: 16387, payloadType: 96, width: 640, height: 480, framerate: 15 }, audio: { available: true, port: 16384, codecs: ['opus', 'PCMU', 'PCMA'], send: true } },
    '127.0.0.1',
    'off',
    '1',
    1,
  );

  /** What the door does with such a message past the parser: SDP, challenges. Each may only fail its own way. */
  function deeper(m: SipMessage): void {
    if (m.body.length > 0) {
      try {
        planFromAnswer(m.body.toString('utf8'), local);
      } catch (e) {
        if (!(e instanceof SdpError)) throw e;
      }
    }
    for (const h of ['WWW-Authenticate', 'Proxy-Authenticate']) {
      const v = m.headers.get(h);
      if (v === undefined) continue;
      try {
        parseChallenges(v);
      } catch (e) {
        if (!(e instanceof ChallengeParseError)) throw e;
      }
    }
  }

  it('parse or throw SipParseError; SDP and challenges fail only with their own errors', () => {
    const seed = 8008;
    const rnd = prng(seed);
    const counts = { parsed: 0, rejected: 0 };
    const started = Date.now();
    const cases = 4000;
    for (let i = 0; i < cases; i++) {
      const data = mutate(OWN_TRAFFIC[names[i % names.length]!]!, rnd);
      let m: SipMessage;
      const transport = rnd() < 0.5 ? 'datagram' : 'stream';
      try {
        m = parseMessage(data, { transport });
      } catch (e) {
        if (!(e instanceof SipParseError)) throw fuzzFailure('SIP parser (own traffic)', seed, i, data, e);
        counts.rejected++;
        const reply = createErrorResponse(e, readMessage(data, { transport }).request);
        if (reply) serialiseMessage(reply);
        continue;
      }
      try {
        exercise(m);
        deeper(m);
      } catch (e) {
        throw fuzzFailure('SIP message use (own traffic)', seed, i, data, e);
      }
      counts.parsed++;
    }
    expect(counts.parsed).toBeGreaterThan(100);
    expect(counts.rejected).toBeGreaterThan(100);
    report('SIP parser + SDP + challenges, mutated own traffic', seed, cases, Date.now() - started, `${counts.parsed} parsed, ${counts.rejected} SipParseError, only own error types thrown`);
  });

  it('the unmutated seeds parse and their SDP negotiates (the fuzzer starts from valid traffic)', () => {
    for (const [name, bytes] of Object.entries(OWN_TRAFFIC)) {
      const m = parseMessage(bytes, { transport: 'datagram' });
      expect(m.kind, name).toBe(name.startsWith('invite') || name.startsWith('register') ? 'request' : 'response');
      if (name.startsWith('183') || name.startsWith('200')) expect(planFromAnswer(m.body.toString('utf8'), local).video, name).toBeDefined();
    }
  });
});
