/**
 * A DoorCall answering an incoming call, over a real SIP stack and user
 * agent whose transports are fakes (test/support/fake-sip-transport.ts):
 * the screen's requests arrive through them, what the door sends is kept,
 * and the screen answers 200 to every request the door sends. The media
 * engine is the fake one; the log keeps its lines. Requests in the dialog
 * are played with `inDialog`, the screen's ACK with `ack`.
 */
import { configSchema } from '../../src/config/schema.js';
import { CallState, type CallStateName } from '../../src/door/call/call-state.js';
import { DoorCall, type DoorCallContext } from '../../src/door/call/door-call.js';
import { LogSink } from '../../src/log/logger.js';
import { SipStack, type IncomingRequest } from '../../src/sip/core/sip-stack.js';
import { createResponse, parseMessage, SipRequest, type SipResponse } from '../../src/sip/message/index.js';
import { UserAgent } from '../../src/sip/user-agent.js';
import { FakeMediaEngine } from './fake-media-engine.js';
import { FakeSipTransport, type SentMessage } from './fake-sip-transport.js';

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

/** A request from the screen (sip:screen@127.0.0.1:5070) to the door, in the call `unit-call`. */
export function request(method: string, cseq: number, o: { toTag?: string; body?: string; reliable?: boolean } = {}): SipRequest {
  const body = o.body ?? '';
  const text = [
    `${method} sip:door@127.0.0.1:5060 SIP/2.0`,
    `Via: SIP/2.0/${o.reliable ? 'TCP' : 'UDP'} 127.0.0.1:5070;branch=z9hG4bKunit${++branch}`,
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

/** A request the screen sent, and what the door answered to it so far (100 Trying first for an INVITE). */
export interface Incoming {
  readonly request: SipRequest;
  readonly responses: SipResponse[];
}

/** Where the screen sends from. */
const SCREEN = { host: '127.0.0.1', port: 5070 };

/** The screen: answers 200 to each request the door sends (its ACKs aside), a moment later as over a network. */
function screenAnswers({ message }: SentMessage, transport: FakeSipTransport): void {
  if (message instanceof SipRequest && message.method !== 'ACK') queueMicrotask(() => transport.receive(createResponse(message, 200, 'OK'), SCREEN));
}

export function harness(callToml: Partial<{ max_duration: number }> = {}) {
  const config = configSchema.parse({ call: { max_duration: 300, ...callToml } });
  const media = new FakeMediaEngine();
  const lines: string[] = [];
  const log = new LogSink({ level: 'debug', systemd: true, write: (l) => lines.push(l) }).logger('door');
  const states: CallStateName[] = [];
  const udp = new FakeSipTransport('udp', { host: '127.0.0.1', port: 5060 }, screenAnswers);
  const tcp = new FakeSipTransport('tcp', { host: '127.0.0.1', port: 5060 }, screenAnswers);
  const stack = new SipStack({ listen: [], userAgent: 'doorstation-test', log, transports: (handlers) => [udp.attach(handlers), tcp.attach(handlers)] });
  const invites: IncomingRequest[] = [];
  const ua = new UserAgent({ stack, log, identity: 'sip:door@127.0.0.1' }, { onInvite: (inc) => invites.push(inc) });
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
  /** The door's To tag in the answered dialog. */
  let doorTag = '';

  /** `req` arrives from the screen over TCP (`reliable`) or UDP. */
  function fromScreen(req: SipRequest, reliable: boolean): Incoming {
    const transport = reliable ? tcp : udp;
    transport.receive(req, SCREEN);
    const branch = req.topVia.params.get('branch')!;
    return {
      request: req,
      get responses() {
        return transport.responsesTo(branch);
      },
    };
  }

  return {
    media,
    lines,
    states,
    ctx,
    /** The requests the door sent, in order. */
    get sent(): SipRequest[] {
      return [...udp.requests(), ...tcp.requests()];
    },
    /** An incoming call from the screen over UDP, answered, and the screen's ACK for the 200. */
    async answeredCall(): Promise<{ call: DoorCall; invite: Incoming }> {
      const invite = fromScreen(request('INVITE', 1, { body: SCREEN_SDP(1) }), false);
      const inc = invites.shift();
      if (!inc) throw new Error('the user agent did not hand the INVITE over');
      const call = DoorCall.incomingCall(1, inc, ctx, false);
      if (!(await call.accept())) throw new Error('not answered');
      if (call.state !== CallState.StreamsRunning) throw new Error(`state ${call.state}`);
      doorTag = invite.responses.at(-1)!.to.params.get('tag')!;
      fromScreen(request('ACK', 1, { toTag: doorTag }), false);
      return { call, invite };
    },
    /** A request in the answered dialog, from the screen over TCP (`reliable`) or UDP. */
    inDialog(method: string, cseq: number, o: { body?: string; reliable?: boolean } = {}): Incoming {
      const reliable = o.reliable ?? true;
      return fromScreen(request(method, cseq, { toTag: doorTag, body: o.body, reliable }), reliable);
    },
    /** The screen's ACK for the 2xx to its INVITE `cseq` (with the answer when our 2xx held the offer). */
    ack(cseq: number, o: { body?: string; reliable?: boolean } = {}): void {
      const reliable = o.reliable ?? true;
      fromScreen(request('ACK', cseq, { toTag: doorTag, body: o.body, reliable }), reliable);
    },
  };
}
