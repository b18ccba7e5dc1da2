/**
 * The user agent, the one face door uses: an INVITE is routed once and
 * its SDP written for the address that route leaves from; an answered
 * INVITE's 2xx is resent until its ACK (RFC 3261 §13.3.1.4), and 64*T1
 * without one is reported; BYE ends a dialog.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/log/logger.js';
import type { ClientCallbacks, CoreDelegate, IncomingRequest, RequestHandler, Route, SipStack } from '../../../src/sip/core/sip-stack.js';
import { createResponse, parseMessage, type SipRequest, type SipResponse } from '../../../src/sip/message/index.js';
import type { Received } from '../../../src/sip/transport/transport.js';
import { senderOf, UserAgent } from '../../../src/sip/user-agent.js';

const ROUTE = { transport: { protocol: 'udp', reliable: false, local: { protocol: 'udp', host: '127.0.0.1', port: 5060 } }, destination: { protocol: 'udp', host: '192.0.2.7', port: 5070 } } as unknown as Route;

function fakeStack() {
  const sent: Array<{ req: SipRequest; cb: ClientCallbacks; target: unknown }> = [];
  const handlers = new Map<string, RequestHandler>();
  const delegates: CoreDelegate[] = [];
  let routed = 0;
  const stack = {
    routeOutOfDialog: async () => {
      routed++;
      return ROUTE;
    },
    route: async () => {
      throw new Error('routed a second time');
    },
    localAddress: async (_t: unknown, toward: string) => (toward === '192.0.2.7' ? '192.0.2.1' : '127.0.0.1'),
    contactUri: async () => 'sip:door@127.0.0.1:5060',
    handle: (m: string, h: RequestHandler) => handlers.set(m, h),
    addDelegate: (d: CoreDelegate) => delegates.push(d),
    send: async (req: SipRequest, cb: ClientCallbacks, target: unknown) => {
      sent.push({ req, cb, target });
      return { request: req, ...ROUTE };
    },
  };
  return { stack: stack as unknown as SipStack, sent, handlers, delegates, routed: () => routed };
}

function invite(reliable: boolean): IncomingRequest & { responses: SipResponse[] } {
  const text = [
    'INVITE sip:door@127.0.0.1:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKua1',
    'From: "Screen" <sip:screen@127.0.0.1:5070>;tag=screen1',
    'To: <sip:door@127.0.0.1:5060>',
    'Call-ID: ua-call',
    'CSeq: 1 INVITE',
    'Contact: <sip:screen@127.0.0.1:5070>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const req = parseMessage(Buffer.from(text)) as SipRequest;
  const responses: SipResponse[] = [];
  return {
    request: req,
    source: { protocol: 'udp', host: '127.0.0.1', port: 5070 },
    transport: { reliable } as IncomingRequest['transport'],
    responses,
    respond(status, reason, opts = {}) {
      const res = createResponse(req, status, reason, { toTag: 'door1', ...opts });
      responses.push(res);
      return res;
    },
    onCancel: () => {},
    rejectStateless(status) {
      responses.push(createResponse(req, status, undefined, { toTag: 'door1' }));
    },
  };
}

describe('UserAgent', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('routes an INVITE once, writes the offer for the address that route leaves from, and sends it on that route', async () => {
    const s = fakeStack();
    const ua = new UserAgent({ stack: s.stack, log: silentLogger, identity: 'sip:door@example.org' });
    const seen: string[] = [];
    const uac = await ua.invite(
      'sip:screen@example.org',
      (address) => {
        seen.push(address);
        return `v=0\r\nc=IN IP4 ${address}\r\n`;
      },
      () => ({}),
    );
    expect(s.routed()).toBe(1);
    expect(seen).toEqual(['192.0.2.1']);
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0]!.target).toBe(ROUTE);
    expect(s.sent[0]!.req.body.toString()).toContain('c=IN IP4 192.0.2.1');
    expect(s.sent[0]!.req.headers.get('Contact')).toBe('<sip:door@127.0.0.1:5060>');
    expect(uac.destination).toEqual(ROUTE.destination);
  });

  it('resends the 2xx at T1, 2·T1 … until the ACK, then stops', async () => {
    const s = fakeStack();
    const ua = new UserAgent({ stack: s.stack, log: silentLogger, identity: 'sip:door@example.org' });
    const inc = invite(false);
    let noAck = 0;
    const dialog = await ua.accept(inc, 'v=0\r\n', { onRequest: () => {}, onNoAck: () => noAck++ });
    expect(inc.responses.map((r) => r.status)).toEqual([200]);
    await vi.advanceTimersByTimeAsync(1600);
    expect(inc.responses).toHaveLength(3);
    const ack = parseMessage(Buffer.from(['ACK sip:door@127.0.0.1:5060 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKua2', 'From: <sip:screen@127.0.0.1:5070>;tag=screen1', `To: <sip:door@127.0.0.1:5060>;tag=${dialog.localTag}`, 'Call-ID: ua-call', 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n'))) as SipRequest;
    for (const d of s.delegates) d.onAck?.(ack, {} as Received);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(inc.responses).toHaveLength(3);
    expect(noAck).toBe(0);
  });

  it('gives up after 64·T1 without an ACK and says so; over TCP the 2xx goes once', async () => {
    const s = fakeStack();
    const ua = new UserAgent({ stack: s.stack, log: silentLogger, identity: 'sip:door@example.org' });
    let noAck = 0;
    await ua.accept(invite(false), 'v=0\r\n', { onRequest: () => {}, onNoAck: () => noAck++ });
    await vi.advanceTimersByTimeAsync(32_000);
    expect(noAck).toBe(1);

    const tcp = invite(true);
    await ua.accept(tcp, 'v=0\r\n', { onRequest: () => {}, onNoAck: () => noAck++ });
    await vi.advanceTimersByTimeAsync(40_000);
    expect(tcp.responses).toHaveLength(1);
    expect(noAck).toBe(1);
  });

  it('sends one BYE in a dialog and reads the sender from the parsed From', async () => {
    const s = fakeStack();
    const ua = new UserAgent({ stack: s.stack, log: silentLogger, identity: 'sip:door@example.org' });
    const inc = invite(true);
    expect(senderOf(inc.request)).toBe('sip:screen@127.0.0.1:5070');
    const dialog = await ua.accept(inc, 'v=0\r\n', { onRequest: () => {}, onNoAck: () => {} });
    const done = ua.bye(dialog);
    expect(s.sent.map((x) => x.req.method)).toEqual(['BYE']);
    s.sent[0]!.cb.onResponse(createResponse(s.sent[0]!.req, 200, 'OK'));
    await done;
    expect(dialog.state).toBe('terminated');
  });
});
