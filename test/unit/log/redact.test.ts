/** Issue 12 row 18: what the log never shows, at any level, and a redaction that stays linear. */
import { describe, expect, it } from 'vitest';
import { LogSink } from '../../../src/log/logger.js';
import { redact } from '../../../src/log/redact.js';
import { Wire } from '../../../src/sip/core/wire.js';
import { parseMessage } from '../../../src/sip/message/index.js';
import { growth, LINEAR_RATIO_LIMIT } from '../../support/linear-time.js';

function traceSink() {
  const lines: string[] = [];
  const sink = new LogSink({ level: 'trace', systemd: false, write: (l) => lines.push(l) });
  return { sink, text: () => lines.join('') };
}

describe('log redaction', () => {
  it('SDES keys however they are spaced, digest responses, DTMF Signal=', () => {
    const sdp = 'a=crypto:1 AES_CM_128_HMAC_SHA1_80  inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\na=crypto:2  AES_CM_128_HMAC_SHA1_32\tinline:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3';
    const auth = 'Authorization: Digest username="door", realm="h", nonce="n", uri="sip:h", response="6629fae49393a05397450978507c4ef1"\r\nproxy-authorization:digest response=abcdef0123,username="x"';
    const out = redact(`${sdp}\n${auth}\nSignal=5\r\nsignal = 9\r\nDuration=160`);
    for (const s of ['WVNfX19z', 'QUJDREVG', '6629fae4', 'abcdef0123', '=5', '= 9']) expect(out).not.toContain(s);
    expect(out).toContain('|2^20|1:4');
    expect(out).toContain('username="x"');
    expect(out).toContain('Duration=160');
  });

  it('the log sink applies it to every line it writes', () => {
    const { sink, text } = traceSink();
    sink.logger('sip').trace('a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\nSignal=5');
    expect(text()).not.toContain('WVNfX19z');
    expect(text()).not.toContain('=5');
    expect(text()).toContain('inline:(hidden)');
  });

  it('the open code, with and without its #, at every level', () => {
    const { sink, text } = traceSink();
    for (const s of ['73915#', '73915']) sink.addSecret(s);
    sink.logger('door').trace('digits 73915 then 73915#');
    expect(text()).not.toContain('7391');
  });

  it('INFO and MESSAGE bodies are not traced, only their size', () => {
    const { sink, text } = traceSink();
    const wire = new Wire(sink.logger('sip'));
    const info = parseMessage(Buffer.from('INFO sip:door@h SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKx\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:door@h>;tag=2\r\nCall-ID: c\r\nCSeq: 2 INFO\r\nContent-Type: application/dtmf\r\nContent-Length: 1\r\n\r\n7'));
    wire.trace('received', info as never, { protocol: 'udp', host: '1.2.3.4', port: 5060 } as never);
    expect(text()).toContain('body of 1 bytes not logged');
    expect(text()).not.toMatch(/\\r\\n\\r\\n7/);
  });

  it('is linear: 10x the input takes ~10x the time, not ~100x (worst-case lines)', () => {
    const worst = (n: number) => `a=crypto:${'inline:'.repeat(n / 7)}\nAuthorization: ${'response="'.repeat(n / 10)}\nsignal${' '.repeat(n)}=`;
    expect(growth(worst, redact)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});
