/** SDES keys never reach a trace (RFC 4568 a=crypto), however written, in linear time (issue 12). */
import { describe, expect, it } from 'vitest';
import { hideSdesKeys } from '../../../../src/sip/core/wire.js';
import { fill, growth, LINEAR_RATIO_LIMIT } from '../../../support/linear-time.js';

const KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';

describe('hideSdesKeys', () => {
  it('hides the key whatever the spacing, and keeps the rest of the message', () => {
    for (const line of [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`, `a=crypto:1  AES_CM_128_HMAC_SHA1_80   inline:${KEY}`, `a=crypto:1\tAES_CM_128_HMAC_SHA1_32\tINLINE:${KEY}`]) {
      const out = hideSdesKeys(`v=0\r\n${line}\r\na=sendrecv\r\n`);
      expect(out).not.toContain(KEY);
      expect(out).toContain('inline:(hidden)\r\n');
      expect(out).toContain('a=sendrecv\r\n');
    }
  });

  it('takes linear time on a body of a=crypto: repeated', () => {
    expect(growth((n) => fill('a=crypto:', n), hideSdesKeys)).toBeLessThan(LINEAR_RATIO_LIMIT);
    expect(growth((n) => fill('a=crypto:1 x inline:\n', n), hideSdesKeys)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});
