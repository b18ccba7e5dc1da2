/**
 * SDES keys never reach a trace (RFC 4568 a=crypto), however written: the
 * SIP trace goes through the log sink, which hides them (log/redact.ts; its
 * linear time is tested in test/unit/log/redact.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { LogSink } from '../../../../src/log/logger.js';
import { Wire } from '../../../../src/sip/core/wire.js';
import { parseMessage } from '../../../../src/sip/message/index.js';

const KEY = 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz';

describe('SDES keys in the SIP trace', () => {
  it('hides the key whatever the spacing, and keeps the rest of the message', () => {
    for (const line of [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY}|2^20|1:4`, `a=crypto:1  AES_CM_128_HMAC_SHA1_80   inline:${KEY}`, `a=crypto:1\tAES_CM_128_HMAC_SHA1_32\tINLINE:${KEY}`]) {
      const lines: string[] = [];
      const wire = new Wire(new LogSink({ level: 'trace', systemd: false, write: (l) => lines.push(l) }).logger('sip'));
      const body = `v=0\r\n${line}\r\na=sendrecv\r\n`;
      const invite = parseMessage(
        Buffer.from(`INVITE sip:door@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKk\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:door@127.0.0.1>\r\nCall-ID: k\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
      );
      if (invite.kind !== 'request') throw new Error('not a request');
      wire.trace('sent', invite, { protocol: 'udp', host: '127.0.0.1', port: 5070 });
      const out = lines.join('');
      expect(out).not.toContain(KEY);
      expect(out).toMatch(/inline:\(hidden\)/i);
      expect(out).toContain('a=sendrecv');
    }
  });
});
