/**
 * A DoorCall answering an incoming call, with everything around it faked:
 * a SIP stack that records what the call sends (and answers 200 to it) and
 * hands requests to the handlers the user agent registered, the fake media
 * engine, a log that keeps its lines. Requests in the dialog are played
 * with `inDialog`.
 */
import { configSchema } from '../../src/config/schema.js';
import { CallState, type CallStateName } from '../../src/door/call/call-state.js';
import { DoorCall, type DoorCallContext } from '../../src/door/call/door-call.js';
import { LogSink } from '../../src/log/logger.js';
import { FakeMediaEngine } from './fake-media-engine.js';
import type { CoreDelegate, IncomingRequest, RequestHandler, SipStack } from '../../src/sip/core/sip-stack.js';
import type { Received } from '../../src/sip/transport/transport.js';
import { UserAgent } from '../../src/sip/user-agent.js';
import { createResponse, parseMessage, SipRequest, type SipResponse } from '../../src/sip/message/index.js';

export const SCREEN_SDP = (version: number, audio = 'sendrecv', video = 'recvonly') =>
  [
    'v=0',
    `o=screen 1 ${version} IN IP4 127.0.0.1`,
    's=screen',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    'm=audio 40000 RTP/AVP 0 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    `a=${audio}`,
    'm=video 40002 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 profile-level-id=42801F;packetization-mode=1',
    `a=${video}`,
    '',
  ].join('\r\n');

let branch = 0;

export function request(method: string, cseq: number, o: { toTag?: string; body?: string; reliable?: boolean } = {}): SipRequest {
  const body = o.body ?? '';
  const text = [
    `${method} sip:door@127.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKunit${++branch}`,
    'From: <sip:screen@127.0.0.1:5070>;tag=screen1',
    `To: <sip:door@127.0.0.1:5060>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    'Call-ID: unit-call',
    `CSeq: ${cseq} ${method}`,
    'Contact: <sip:screen@127.0.0.1:5070>',
    'Max-Forwards: 70',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
  const m = parseMessage(Buffer.from(text));
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

export interface Incoming extends IncomingRequest {
  responses: SipResponse[];
}

export function incoming(req: SipRequest, reliable = true): Incoming {
  const responses: SipResponse[] = [];
  return {
    request: req,
    source: { protocol: reliable ? 'tcp' : 'udp', host: '127.0.0.1', port: 5070 },
    transport: { reliable, protocol: reliable ? 'tcp' : 'udp', local: { protocol: 'udp', host: '127.0.0.1', port: 5060 } } as unknown as IncomingRequest['transport'],
    responses,
    respond(status, reason, opts = {}) {
      const res = createResponse(req, status, reason, { toTag: 'door1', ...opts });
      responses.push(res);
      return res;
    },
    onCancel: () => {},
  };
}

export function harness(callToml: Partial<{ max_duration: number }> = {}) {
  const config = configSchema.parse({ call: { max_duration: 300, ...callToml } });
  const media = new FakeMediaEngine();
  const lines: string[] = [];
  const log = new LogSink({ level: 'debug', systemd: true, write: (l) => lines.push(l) }).logger('door');
  const sent: SipRequest[] = [];
  const states: CallStateName[] = [];
  const handlers = new Map<string, RequestHandler>();
  const stack = {
    localAddress: async () => '127.0.0.1',
    contactUri: async () => 'sip:door@127.0.0.1:5060',
    handle: (method: string, handler: RequestHandler) => handlers.set(method, handler),
    send: async (req: SipRequest, cb: { onResponse(r: SipResponse): void }) => {
      sent.push(req);
      queueMicrotask(() => cb.onResponse(createResponse(req, 200, 'OK')));
      return { request: req };
    },
    delegates: [] as CoreDelegate[],
    addDelegate: (d: CoreDelegate) => stack.delegates.push(d),
  };
  const ua = new UserAgent({ stack: stack as unknown as SipStack, log, identity: 'sip:door@127.0.0.1' });
  const ctx: DoorCallContext = {
    ua,
    media,
    log,
    call: config.call,
    srtp: 'off',
    onState: (_call, state) => states.push(state),
    onDigit: () => {},
    onCode: () => false,
  };
  return {
    media,
    lines,
    sent,
    states,
    ctx,
    /** An incoming call from the screen, auto-answered; resolves once answered. */
    async answeredCall(): Promise<{ call: DoorCall; invite: Incoming }> {
      const invite = incoming(request('INVITE', 1, { body: SCREEN_SDP(1) }));
      const call = DoorCall.incomingCall(1, invite, ctx, false);
      if (!(await call.accept())) throw new Error('not answered');
      if (call.state !== CallState.StreamsRunning) throw new Error(`state ${call.state}`);
      return { call, invite };
    },
    /** A request inside the answered dialog, as the router would hand it over. */
    inDialog(req: SipRequest, reliable = true): Incoming {
      const inc = incoming(req, reliable);
      handlers.get(req.method)!(inc);
      return inc;
    },
    ack(req: SipRequest): void {
      for (const d of stack.delegates) d.onAck?.(req, {} as Received);
    },
  };
}
