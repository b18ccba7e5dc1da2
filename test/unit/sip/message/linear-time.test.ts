/**
 * Issue 12 row 1: whatever the network sends, parsing costs time in
 * proportion to its length. Each case is a worst case for one parser
 * (long runs of blanks, separators, quotes and escapes at every position);
 * the 100 kB input must not take much more than ten times the 10 kB one.
 * Before the fix a run of blanks inside a header value took 8-13 s for 60 kB.
 */
import { describe, expect, it } from 'vitest';
import { parseCSeq, parseMessage, parseNameAddr, parseUri, parseVia, readMessage, splitList, StreamFramer } from '../../../../src/sip/message/index.js';
import { fill, growth, LINEAR_RATIO_LIMIT } from '../../../support/linear-time.js';

const LIMIT = LINEAR_RATIO_LIMIT;

const CORE = [
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKlinear',
  'From: <sip:a@example.com>;tag=1',
  'To: <sip:door@example.com>',
  'Call-ID: linear@192.0.2.1',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
];

/** A request whose extra header lines are `extra(n)`; core headers first unless a case replaces one. */
function request(extra: string, opts: { startLine?: string; without?: string } = {}): Buffer {
  const lines = CORE.filter((l) => !opts.without || !l.startsWith(opts.without));
  return Buffer.from(`${opts.startLine ?? 'OPTIONS sip:door@example.com SIP/2.0'}\r\n${lines.join('\r\n')}\r\n${extra}\r\nContent-Length: 0\r\n\r\n`);
}

const MESSAGES: Record<string, (n: number) => Buffer> = {
  'blanks inside a header value': (n) => request(`Subject: a${fill(' ', n)}b`),
  'blanks and tabs ending a header value': (n) => request(`Subject: a${fill(' \t', n)}`),
  'blanks before the colon of a header name': (n) => request(`Subject${fill(' ', n)}x: y`),
  'a header folded over thousands of lines': (n) => request(`Subject: a${fill('\r\n  b', n)}`),
  'folded lines of blanks only': (n) => request(`Subject: a${fill('\r\n   ', n)}`),
  'commas in a list header': (n) => request(`Supported: ${fill(',', n)}`),
  'commas and blanks in a list header': (n) => request(`Supported: ${fill(' , ', n)}x`),
  'an unterminated quote in a list header': (n) => request(`Supported: "${fill('\\",', n)}`),
  'escapes at every position of a display name': (n) => request(`From: "${fill('\\"', n)}" <sip:a@example.com>;tag=1`, { without: 'From' }),
  'a display name of many words without <': (n) => request(`To: ${fill('a ', n)}sip:door@example.com`, { without: 'To' }),
  'blanks inside <> of an address': (n) => request(`To: <${fill(' ', n)}sip:door@example.com${fill(' ', n)}>`, { without: 'To' }),
  'many header parameters': (n) => request(`To: <sip:door@example.com>${fill(';a', n)}`, { without: 'To' }),
  'blanks around parameter separators': (n) => request(`To: <sip:door@example.com>${fill(' ; a = b ', n)}`, { without: 'To' }),
  'many Vias in one line': (n) => request(`Via: ${fill('SIP/2.0/UDP h;branch=z9hG4bKx,', n)}SIP/2.0/UDP h`),
  'blanks inside a Via': (n) => request(`Via: SIP${fill(' ', n)}/${fill(' ', n)}2.0 / UDP h${fill(' ', n)}:${fill(' ', n)}5060`, { without: 'Via' }),
  'blanks inside CSeq': (n) => request(`CSeq: ${fill(' ', n)}1${fill(' ', n)}OPTIONS${fill(' ', n)}`, { without: 'CSeq' }),
  'many URI parameters in the Request-URI': (n) => request('X: y', { startLine: `OPTIONS sip:door@example.com${fill(';x=y', n)} SIP/2.0` }),
  'escapes in the Request-URI user part': (n) => request('X: y', { startLine: `OPTIONS sip:${fill('%41', n)}@example.com SIP/2.0` }),
  'blanks between request-line elements': (n) => request('X: y', { startLine: `OPTIONS${fill(' ', n)}sip:door@example.com${fill(' ', n)}SIP/2.0` }),
  'many Contacts': (n) => request(`Contact: ${fill('<sip:a@b>,', n)}<sip:a@b>`),
  'many short header lines': (n) => request(fill('X: y\r\n', n).slice(0, -2)),
  'a long line of junk without colon': (n) => request(fill('a', n)),
  'CR everywhere': (n) => request(`Subject: ${fill('\r', n)}`),
};

describe('message parsing is linear in its input (issue 12)', () => {
  for (const [name, build] of Object.entries(MESSAGES)) {
    it(`datagram: ${name}`, () => {
      expect(growth(build, (b) => readMessage(b))).toBeLessThan(LIMIT);
    });
  }

  for (const name of ['blanks inside a header value', 'a header folded over thousands of lines', 'commas in a list header', 'escapes at every position of a display name']) {
    it(`stream, in 50-byte segments: ${name}`, () => {
      const build = MESSAGES[name]!;
      const run = (b: Buffer): void => {
        const f = new StreamFramer({ maxHeaderBytes: 1 << 20 });
        for (let i = 0; i < b.length; i += 50) f.push(b.subarray(i, i + 50));
      };
      expect(growth(build, run)).toBeLessThan(LIMIT);
    });
  }

  it('stream: a flood of CRLF keep-alives', () => {
    expect(growth((n) => Buffer.from(fill('\r\n', n)), (b) => new StreamFramer().push(b))).toBeLessThan(LIMIT);
  });

  it('stream: a body trickled in 1-byte segments', () => {
    const build = (n: number): Buffer => Buffer.from(`MESSAGE sip:d@e SIP/2.0\r\nContent-Length: ${n}\r\n\r\n${fill('x', n)}`.slice(0, 40 + String(n).length + n));
    const run = (b: Buffer): void => {
      const f = new StreamFramer({ maxBodyBytes: 1 << 20 });
      for (let i = 0; i < b.length; i++) f.push(b.subarray(i, i + 1));
    };
    expect(growth(build, run, { small: 5_000, large: 50_000 })).toBeLessThan(LIMIT);
  });
});

describe('header value parsers are linear in their input (issue 12)', () => {
  const cases: Record<string, [(n: number) => string, (s: string) => unknown]> = {
    'name-addr: escapes in a quoted display name': [(n) => `"${fill('\\a', n)}" <sip:a@b>`, parseNameAddr],
    'name-addr: unterminated quote': [(n) => `"${fill('\\"', n)}`, parseNameAddr],
    'name-addr: words then no <': [(n) => `${fill('a\t', n)};x`, parseNameAddr],
    'name-addr: < without >': [(n) => `<${fill('<', n)}`, parseNameAddr],
    'name-addr: parameter values of quotes': [(n) => `<sip:a@b>${fill(';a="\\""', n)}`, parseNameAddr],
    'via: blanks at every separator': [(n) => `SIP / 2.0 / UDP h ${fill(' ; a = b ', n)}`, parseVia],
    'via: [ without ]': [(n) => `SIP/2.0/UDP [${fill(':', n)}`, parseVia],
    'via: received of colons': [(n) => `SIP/2.0/UDP h;received=[${fill(':', n)}x`, parseVia],
    'uri: many parameters': [(n) => `sip:a@b${fill(';a', n)}`, parseUri],
    'uri: many headers': [(n) => `sip:a@b?${fill('a=b&', n)}a=b`, parseUri],
    'uri: escapes everywhere': [(n) => `sip:${fill('%2', n)}@b`, parseUri],
    'uri: a host of dots': [(n) => `sip:a@${fill('a.', n)}.`, parseUri],
    'uri: other scheme': [(n) => `tel:${fill('+1', n)}`, parseUri],
    'cseq: blanks then junk': [(n) => `1${fill(' ', n)}x y`, parseCSeq],
    'list: quotes and escapes': [(n) => fill('"\\",<,>', n), splitList],
  };
  for (const [name, [build, run]] of Object.entries(cases)) {
    it(name, () => {
      expect(growth(build, run)).toBeLessThan(LIMIT);
    });
  }

  it('a refusal costs linear time too: 100 kB of blanks is still answered at once', () => {
    const big = MESSAGES['blanks inside a header value']!(100_000);
    expect(parseMessage(big).headers.get('Subject')).toMatch(/^a +b$/);
  });
});

describe('a bounded number of header values (issue 12)', () => {
  it('more than MAX_HEADER_VALUES is refused with 400, and the 400 can still be sent', () => {
    const r = readMessage(request(`Supported: ${fill('x,', 10_000)}x`));
    expect(r.error?.reason).toBe('Too many header fields');
    expect(r.request?.method).toBe('OPTIONS');
    const ok = readMessage(request(`Supported: ${'x,'.repeat(100)}x`));
    expect(ok.message?.headers.getAll('Supported')).toHaveLength(101);
  });

  it('3,000 Vias are refused, not walked', () => {
    const r = readMessage(request(fill('Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\n', 3000 * 36).trimEnd()));
    expect(r.error?.reason).toBe('Too many header fields');
  });
});
