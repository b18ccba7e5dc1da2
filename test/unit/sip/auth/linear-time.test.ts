/**
 * Issue 12 row 1: a registrar's or proxy's challenge is network input too;
 * reading it costs time in proportion to its length, whatever it holds.
 */
import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../../../../src/sip/auth/index.js';
import { fill, growth, LINEAR_RATIO_LIMIT } from '../../../support/linear-time.js';

const CASES: Record<string, (n: number) => string> = {
  'escapes at every position of a quoted value': (n) => `Digest realm="${fill('\\a', n)}", nonce="n"`,
  'an unterminated quoted value': (n) => `Digest realm="${fill('\\"', n)}`,
  'blanks between every element': (n) => `Digest ${fill(' ', n)}realm${fill(' ', n)}=${fill(' ', n)}"r"${fill(' ,', n)}nonce="n"`,
  'runs of commas': (n) => `Digest realm="r",${fill(',', n)}nonce="n"`,
  'many auth-params': (n) => `Digest realm="r", nonce="n"${fill(', x=y', n)}`,
  'many challenges': (n) => fill('Digest realm="r", nonce="n", ', n),
  'a token68 look-alike': (n) => `Digest ${fill('a', n)}${fill('=', n)}${fill(' ', n)}x`,
  'a token68 look-alike followed by blanks': (n) => `Basic ${fill('a', n / 2)}${fill(' \t', n / 2)};`,
  'qop and domain lists': (n) => `Digest realm="r", nonce="n", qop="${fill('auth, ', n)}", domain="${fill('/ ', n)}"`,
  'many scheme-like tokens': (n) => fill('Negotiate ', n),
};

describe('challenge parsing is linear in its input (issue 12)', () => {
  for (const [name, build] of Object.entries(CASES)) {
    it(name, () => {
      expect(growth(build, parseChallenges)).toBeLessThan(LINEAR_RATIO_LIMIT);
    });
  }
});
