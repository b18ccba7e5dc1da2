/**
 * Random mutations of the RFC 4475 messages: whatever the bytes, the
 * parser returns a message or throws SipParseError, in bounded time.
 * The PRNG is seeded so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import {
  createErrorResponse,
  parseMessage,
  serialiseMessage,
  SipParseError,
  StreamFramer,
  type SipMessage,
} from '../../../../src/sip/message/index.js';
import { ALL } from '../../../fixtures/rfc4475/messages.js';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL = Buffer.from('\r\n\t ;,:"<>@%=?[]\\/\x00\x7f\xff0z');

function mutate(src: Buffer, rnd: () => number): Buffer {
  let b = Buffer.from(src);
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rnd() * (b.length + 1));
    const pick = rnd();
    const byte = rnd() < 0.7 ? (SPECIAL[Math.floor(rnd() * SPECIAL.length)] as number) : Math.floor(rnd() * 256);
    if (pick < 0.3) b[Math.min(at, b.length - 1)] = byte;
    else if (pick < 0.55) b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    else if (pick < 0.75) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(rnd() * 20))]);
    else if (pick < 0.9) b = b.subarray(0, at);
    else {
      const len = Math.floor(rnd() * 40);
      b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
    }
  }
  return b;
}

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
      try {
        exercise(parseMessage(data, { transport: rnd() < 0.5 ? 'datagram' : 'stream' }));
        parsed++;
      } catch (e) {
        if (!(e instanceof SipParseError)) throw new Error(`iteration ${i}: ${String(e)}\n${data.toString('latin1')}`);
        expect(e.reason).toMatch(/^[\x20-\x7e]+$/);
        const reply = createErrorResponse(e);
        if (reply) serialiseMessage(reply);
        rejected++;
      }
    }
    // Both outcomes happen, and the whole run stays fast (no pathological backtracking).
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('through the stream framer in random chunks', () => {
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
  });
});
