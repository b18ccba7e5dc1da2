import { describe, expect, it } from 'vitest';
import { buildRtp, parseRtp, restampRtp } from '../../../../src/media/rtp/rtp-packet.js';

describe('RTP header', () => {
  it('round-trips a packet', () => {
    const buf = buildRtp({ marker: true, payloadType: 101, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef }, Buffer.from([1, 2, 3, 4]));
    expect(parseRtp(buf)).toEqual({ marker: true, payloadType: 101, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, payload: Buffer.from([1, 2, 3, 4]) });
  });

  it('skips CSRCs and a header extension, and drops padding', () => {
    const b = Buffer.from([0xb1, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, /* csrc */ 9, 9, 9, 9, /* ext */ 0xbe, 0xde, 0, 1, 7, 7, 7, 7, /* payload */ 0xaa, /* padding */ 0, 2]);
    expect(parseRtp(b)?.payload).toEqual(Buffer.from([0xaa]));
  });

  it('rejects what is not RTP: short, version 1, RTCP', () => {
    expect(parseRtp(Buffer.alloc(8))).toBeUndefined();
    expect(parseRtp(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(parseRtp(Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
  });

  it('restamps sequence and SSRC in place, keeping the timestamp', () => {
    const buf = buildRtp({ marker: false, payloadType: 0, sequence: 1, timestamp: 160, ssrc: 1 }, Buffer.alloc(160));
    restampRtp(buf, 0x1_0005, 42);
    expect(parseRtp(buf)).toMatchObject({ sequence: 5, ssrc: 42, timestamp: 160 });
  });
});
