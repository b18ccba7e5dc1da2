/** The RTCP writer: byte layouts of RFC 3550 §6.4-6.6, RFC 4585 §6.3.1, RFC 5104 §4.3.1, and what the reader makes of them. */
import { describe, expect, it } from 'vitest';
import { buildBye, buildFir, buildPli, buildReceiverReport, buildSdesCname, buildSenderReport } from '../../../../src/media/rtcp/rtcp-build.js';
import { ntpFromUnixMs, ntpMiddle } from '../../../../src/media/rtcp/ntp-time.js';
import { parseRtcp } from '../../../../src/media/rtcp/rtcp-packet.js';

const hex = (b: Buffer) => b.toString('hex');

describe('RTCP builders', () => {
  it('writes an SR with sender info and length in words minus one', () => {
    const sr = buildSenderReport({ ssrc: 0xdeadbeef, ntpSeconds: 0xe5f0a1b2, ntpFraction: 0x80000000, rtpTimestamp: 90000, packetCount: 10, octetCount: 1000 });
    expect(hex(sr)).toBe('80c80006deadbeefe5f0a1b28000000000015f900000000a000003e8');
  });

  it('writes SDES CNAME padded to 32 bits with a null item', () => {
    expect(hex(buildSdesCname(0xdeadbeef, 'abcd'))).toBe('81ca0003deadbeef0104616263640000');
    // SSRC + type/length + 6 = 12 bytes: the null item needs a whole extra word.
    expect(hex(buildSdesCname(1, 'abcdef'))).toBe('81ca0004' + '00000001' + '0106616263646566' + '00000000');
    expect(parseRtcp(buildSdesCname(1, 'x'.repeat(300))).packets[0]).toMatchObject({ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'x'.repeat(255) }] }] });
  });

  it('writes PLI, FIR, RR and BYE that read back the same', () => {
    expect(hex(buildPli(0x11111111, 0xdeadbeef))).toBe('81ce000211111111deadbeef');
    expect(hex(buildFir(0x11111111, [{ ssrc: 0xdeadbeef, sequence: 7 }]))).toBe('84ce000411111111' + '00000000' + 'deadbeef07000000');
    const rr = buildReceiverReport(0x11111111, [{ ssrc: 0xdeadbeef, fractionLost: 5, cumulativeLost: -1, highestSequence: 0xabcd, jitter: 16, lastSr: 0x12345678, delaySinceLastSr: 256 }]);
    expect(hex(rr)).toBe('81c9000711111111deadbeef05ffffff0000abcd0000001012345678' + '00000100');
    expect(hex(buildBye([0xdeadbeef], 'bye!'))).toBe('81cb0003deadbeef0462796521000000');
    const compound = Buffer.concat([rr, buildBye([1, 2])]);
    expect(parseRtcp(compound)).toEqual({
      packets: [
        { type: 'rr', ssrc: 0x11111111, reports: [{ ssrc: 0xdeadbeef, fractionLost: 5, cumulativeLost: -1, highestSequence: 0xabcd, jitter: 16, lastSr: 0x12345678, delaySinceLastSr: 256 }] },
        { type: 'bye', ssrcs: [1, 2] },
      ],
    });
  });

  it('turns Unix time into NTP time (RFC 3550 §4)', () => {
    // 1970-01-01 is 2208988800 s after 1900-01-01.
    expect(ntpFromUnixMs(0)).toEqual({ seconds: 2208988800, fraction: 0 });
    expect(ntpFromUnixMs(1500)).toEqual({ seconds: 2208988801, fraction: 0x80000000 });
    // 2036-02-07T06:28:16Z: era 1, seconds wrap to 0.
    expect(ntpFromUnixMs(2085978496000).seconds).toBe(0);
    expect(ntpMiddle({ seconds: 0xe5f0a1b2, fraction: 0x80000000 })).toBe(0xa1b28000);
  });
});
