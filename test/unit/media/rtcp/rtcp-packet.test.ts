/**
 * The RTCP reader against hand-built packets laid out as RFC 3550 §6.4-6.6,
 * RFC 4585 §6.1/§6.3.1 and RFC 5104 §4.3.1 draw them, then against junk:
 * nothing may throw, whatever arrives on the RTCP port.
 */
import { describe, expect, it } from 'vitest';
import { parseRtcp } from '../../../../src/media/rtcp/rtcp-packet.js';
import { isRtcp } from '../../../../src/media/rtp/rtp-header.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 3550 §6.4.1: V=2 P=0 RC=0 PT=200 length=6; SSRC; NTP (2 words); RTP ts; packet count; octet count.
const SR = '80c80006 deadbeef e5f0a1b2 80000000 00015f90 0000000a 000003e8';
// §6.5: SC=1, chunk SSRC, CNAME item "abcd", null item, padding to 32 bits.
const SDES = '81ca0003 deadbeef 01046162 63640000';
// RFC 4585 §6.1/§6.3.1: FMT=1 PT=206 length=2; sender SSRC; media source SSRC.
const PLI = '81ce0002 11111111 deadbeef';
// RFC 5104 §4.3.1.1: FMT=4 PT=206 length=4; sender SSRC; media SSRC 0; FCI: SSRC, seq nr 7, reserved.
const FIR = '84ce0004 11111111 00000000 deadbeef 07000000';
// §6.4.2: RC=1; reporter SSRC; block about deadbeef: fraction 5, cumulative -1, ext. seq, jitter, LSR, DLSR.
const RR = '81c90007 11111111 deadbeef 05ffffff 0000abcd 00000010 12345678 00000100';
// §6.6: SC=1, SSRC, reason "bye!" (length 4) padded.
const BYE = '81cb0003 deadbeef 04627965 21000000';

describe('parseRtcp', () => {
  it('reads an SR + SDES compound (RFC 3550 §6.4.1, §6.5)', () => {
    const r = parseRtcp(hex(SR + SDES));
    expect(r.error).toBeUndefined();
    expect(r.packets).toEqual([
      { type: 'sr', ssrc: 0xdeadbeef, ntpSeconds: 0xe5f0a1b2, ntpFraction: 0x80000000, rtpTimestamp: 90000, packetCount: 10, octetCount: 1000, reports: [] },
      { type: 'sdes', chunks: [{ ssrc: 0xdeadbeef, items: [{ type: 1, text: 'abcd' }] }] },
    ]);
  });

  it('reads RR report blocks with a negative cumulative loss', () => {
    const r = parseRtcp(hex(RR + SDES));
    expect(r.packets[0]).toEqual({
      type: 'rr',
      ssrc: 0x11111111,
      reports: [{ ssrc: 0xdeadbeef, fractionLost: 5, cumulativeLost: -1, highestSequence: 0xabcd, jitter: 16, lastSr: 0x12345678, delaySinceLastSr: 256 }],
    });
  });

  it('reads PLI and FIR, alone (RFC 5506 reduced size) or after an RR', () => {
    expect(parseRtcp(hex(PLI)).packets).toEqual([{ type: 'pli', senderSsrc: 0x11111111, mediaSsrc: 0xdeadbeef }]);
    const r = parseRtcp(hex(RR + SDES + FIR));
    expect(r.error).toBeUndefined();
    expect(r.packets[2]).toEqual({ type: 'fir', senderSsrc: 0x11111111, mediaSsrc: 0, entries: [{ ssrc: 0xdeadbeef, sequence: 7 }] });
  });

  it('reads BYE with its reason, and other feedback by type', () => {
    expect(parseRtcp(hex(BYE)).packets).toEqual([{ type: 'bye', ssrcs: [0xdeadbeef], reason: 'bye!' }]);
    // RFC 4585 §6.2.1 generic NACK: RTPFB FMT=1 with one FCI word.
    expect(parseRtcp(hex('81cd0003 11111111 deadbeef 00100000')).packets).toEqual([{ type: 'feedback', packetType: 205, fmt: 1, senderSsrc: 0x11111111, mediaSsrc: 0xdeadbeef }]);
    // APP (204) is skipped by its length.
    expect(parseRtcp(hex('80cc0002 deadbeef 74657374' + PLI)).packets.map((p) => p.type)).toEqual(['other', 'pli']);
  });

  it('honours padding (P bit, last octet = count)', () => {
    const padded = hex('a1ce0003 11111111 deadbeef 00000004');
    expect(parseRtcp(padded).packets).toEqual([{ type: 'pli', senderSsrc: 0x11111111, mediaSsrc: 0xdeadbeef }]);
  });

  it('keeps what it read before a fault and names the fault', () => {
    const r = parseRtcp(Buffer.concat([hex(PLI), hex('81ce0005 11111111')]));
    expect(r.packets).toHaveLength(1);
    expect(r.error).toMatch(/overruns/);
    expect(parseRtcp(hex('40c80000')).error).toMatch(/version/);
    expect(parseRtcp(hex('80600000')).error).toMatch(/not RTCP/);
    expect(parseRtcp(Buffer.alloc(0)).error).toBe('empty');
    expect(parseRtcp(hex('84ce0003 11111111 00000000 deadbeef')).error).toMatch(/FIR/);
    expect(parseRtcp(hex('81c90001 11111111')).error).toMatch(/RR report blocks/);
    expect(parseRtcp(hex('81ca0001 deadbeef')).error).toMatch(/SDES/);
    expect(parseRtcp(hex('a1ce0002 11111111 deadbe00')).error).toMatch(/padding/);
  });

  it('tells RTCP from RTP on a shared port (RFC 5761 §4)', () => {
    expect(isRtcp(hex(PLI))).toBe(true);
    expect(isRtcp(hex('80600001 00000000 deadbeef'))).toBe(false);
  });

  it('never throws on junk: random bytes, and valid packets mutated and cut (fuzz)', () => {
    let seed = 0x2545f491;
    const rnd = () => {
      // xorshift32: reproducible, so a failure can be replayed.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x1_0000_0000;
    };
    const seeds = [SR + SDES, RR + SDES + FIR, PLI, BYE, SDES].map(hex);
    for (let i = 0; i < 20_000; i++) {
      let buf: Buffer;
      if (i % 3 === 0) {
        buf = Buffer.alloc(Math.floor(rnd() * 80));
        for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(rnd() * 256);
        // Mostly plausible first bytes, so the fuzz gets past the header checks.
        if (buf.length > 1 && rnd() < 0.7) {
          buf[0] = 0x80 | (buf[0]! & 0x3f);
          buf[1] = 200 + Math.floor(rnd() * 8);
        }
      } else {
        buf = Buffer.from(seeds[i % seeds.length]!);
        for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.5) buf = buf.subarray(0, Math.floor(rnd() * buf.length));
      }
      const r = parseRtcp(buf);
      expect(Array.isArray(r.packets)).toBe(true);
    }
  });
});
