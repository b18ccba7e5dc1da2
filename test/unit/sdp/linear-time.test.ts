/**
 * Issue 12 row 1: a screen's SDP is read in time proportional to its
 * length. SDP is refused above MAX_SDP_BYTES (64 KiB) before any parsing,
 * so the sizes compared are 6.4 kB and 64 kB (still ten times apart).
 */
import { describe, expect, it } from 'vitest';
import { readSdp, MAX_SDP_BYTES } from '../../../src/sdp/read-sdp.js';
import { fill, growth, LINEAR_RATIO_LIMIT } from '../../support/linear-time.js';

const HEAD = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0 8 96\r\n';
const sdp = (line: (n: number) => string) => (n: number) => `${HEAD}${line(n - HEAD.length - 40)}\r\na=sendrecv\r\n`;

const CASES: Record<string, (n: number) => string> = {
  'blanks in an attribute': sdp((n) => `a=rtpmap:96${fill(' ', n)}x/90000`),
  'a format list of blanks': sdp((n) => `m=video 5002 RTP/AVP${fill(' ', n)}96`),
  'a long format list': sdp((n) => `m=video 5002 RTP/AVP${fill(' 96', n)}`),
  'fmtp of separators': sdp((n) => `a=fmtp:96 ${fill(';=', n)}`),
  'candidate of blanks': sdp((n) => `a=candidate:${fill('1 ', n)}`),
  'colons everywhere': sdp((n) => `a=${fill(':', n)}`),
  'crypto of pipes': sdp((n) => `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${fill('|', n)}`),
  'many short attribute lines': sdp((n) => fill('a=x\r\n', n).slice(0, -2)),
  'many rtpmap lines': sdp((n) => fill('a=rtpmap:96 H264/90000\r\n', n).slice(0, -2)),
  'bare CRs': sdp((n) => `a=x${fill('\r', n)}`),
  'rtcp with a long address': sdp((n) => `a=rtcp:5001 IN IP4 ${fill('1.', n)}`),
};

describe('SDP reading is linear in its input (issue 12)', () => {
  for (const [name, build] of Object.entries(CASES)) {
    it(name, () => {
      expect(growth(build, readSdp, { small: MAX_SDP_BYTES / 10, large: MAX_SDP_BYTES - 100 })).toBeLessThan(LINEAR_RATIO_LIMIT);
    });
  }
});
