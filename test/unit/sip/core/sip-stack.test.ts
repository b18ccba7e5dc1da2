/**
 * The user-agent core as a peer sees it, over a fake transport (no
 * socket): OPTIONS answered with our capabilities (§11) and the Via
 * marked with where it came from (§18.2.1, RFC 3581 §4); a method we do
 * not implement refused 405 with Allow (§8.2.1); a request we send is
 * handed its response by the client transaction.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log/logger.js';
import { SipStack } from '../../../../src/sip/core/sip-stack.js';
import { buildRequest, createResponse, parseMessage, SipRequest, type SipResponse } from '../../../../src/sip/message/index.js';
import { FakeSipTransport } from '../../../support/fake-sip-transport.js';

const PEER = { host: '127.0.0.1', port: 5070 };

function peerRequest(method: string): SipRequest {
  const m = parseMessage(
    Buffer.from(
      [
        `${method} sip:door@127.0.0.1:5060 SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${method.toLowerCase()}1;rport`,
        'Max-Forwards: 70',
        'From: <sip:screen@127.0.0.1>;tag=s1',
        'To: <sip:door@127.0.0.1>',
        `Call-ID: ${method}@stack-test`,
        `CSeq: 1 ${method}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  );
  if (!(m instanceof SipRequest)) throw new Error('not a request');
  return m;
}

function stackOver(peer?: ConstructorParameters<typeof FakeSipTransport>[2]) {
  const udp = new FakeSipTransport('udp', { host: '127.0.0.1', port: 5060 }, peer);
  const stack = new SipStack({ listen: [], userAgent: 'doorstation-test', log: silentLogger, transports: (h) => [udp.attach(h)] });
  return { stack, udp };
}

describe('SipStack over a fake transport', () => {
  it('answers OPTIONS 200 with Allow and Supported, to the source address and port (rport)', () => {
    const { udp } = stackOver();
    udp.receive(peerRequest('OPTIONS'), PEER);
    const [answer] = udp.sent;
    expect(answer!.to).toEqual({ protocol: 'udp', ...PEER });
    const res = answer!.message as SipResponse;
    expect(res.status).toBe(200);
    expect(res.headers.getAll('Allow')).toContain('OPTIONS');
    expect(res.headers.getAll('Supported')).toContain('replaces');
    expect(res.topVia.params.get('received')).toBe('127.0.0.1');
    expect(res.topVia.params.get('rport')).toBe('5070');
  });

  it('refuses a method it does not implement with 405 and Allow', () => {
    const { udp } = stackOver();
    udp.receive(peerRequest('SUBSCRIBE'), PEER);
    const res = udp.responsesTo('z9hG4bKsubscribe1');
    expect(res.map((r) => r.status)).toEqual([405]);
    expect(res[0]!.headers.getAll('Allow')).toContain('INVITE');
  });

  it('hands the peer\'s answer to a request it sent to the caller', async () => {
    const { stack, udp } = stackOver(({ message }, t) => {
      if (message instanceof SipRequest) queueMicrotask(() => t.receive(createResponse(message, 202, 'Accepted'), PEER));
    });
    const req = buildRequest('MESSAGE', 'sip:screen@127.0.0.1:5070', { from: '<sip:door@127.0.0.1>;tag=d1', to: '<sip:screen@127.0.0.1>', cseq: 1 });
    const status = await new Promise<number>((resolve, reject) => {
      void stack.send(req, { onResponse: (r) => resolve(r.status), onFailure: (f) => reject(new Error(f.reason)) });
    });
    expect(status).toBe(202);
    expect(udp.requests().map((r) => r.method)).toEqual(['MESSAGE']);
    expect(udp.sent[0]!.to).toMatchObject({ protocol: 'udp', ...PEER });
    await stack.stop();
  });
});
