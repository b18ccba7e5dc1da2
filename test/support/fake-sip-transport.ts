/**
 * A SIP transport with no socket under it (after sipgo's fakes/udp_conn.go
 * and SIP.js's test/support transport-fake.ts): what the stack sends is
 * parsed back and kept, and a test hands messages up as if they had
 * arrived from a peer. A real SipStack runs over it, with its real
 * transactions, timers and routing (SipStackOptions.transports).
 */
import { readMessage, serialiseMessage, SipRequest, SipResponse } from '../../src/sip/message/index.js';
import type { Endpoint, TransportProtocol } from '../../src/sip/transport/endpoint.js';
import type { Transport, TransportHandlers } from '../../src/sip/transport/transport.js';

export interface SentMessage {
  message: SipRequest | SipResponse;
  to: Endpoint;
  connectionId?: string;
}

export class FakeSipTransport implements Transport {
  readonly reliable: boolean;
  readonly local: Endpoint;
  /** Everything sent, oldest first, parsed from the bytes that would have gone out. */
  readonly sent: SentMessage[] = [];
  private handlers: TransportHandlers | undefined;

  constructor(
    readonly protocol: TransportProtocol,
    local: { host: string; port: number },
    /** The peer's side: sees each message sent (after it is recorded), e.g. to answer it with `receive`. */
    private readonly peer: (sent: SentMessage, transport: FakeSipTransport) => void = () => {},
  ) {
    this.reliable = protocol !== 'udp';
    this.local = { protocol, ...local };
  }

  /** For `SipStackOptions.transports`: the stack's handlers, which `receive` reports to. */
  attach(handlers: TransportHandlers): this {
    this.handlers = handlers;
    return this;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async send(data: Buffer, to: Endpoint, connectionId?: string): Promise<void> {
    const parsed = readMessage(data);
    if (!parsed.message) throw new Error(`the stack sent what does not parse: ${parsed.error.message}`);
    const sent: SentMessage = { message: parsed.message, to, ...(connectionId === undefined ? {} : { connectionId }) };
    this.sent.push(sent);
    this.peer(sent, this);
  }

  /** `message` arrives from `from` (serialised and parsed again, as off the wire); synchronous, as a socket's data event. */
  receive(message: SipRequest | SipResponse, from: Omit<Endpoint, 'protocol'>): void {
    if (!this.handlers) throw new Error('FakeSipTransport: not attached to a stack');
    const raw = serialiseMessage(message);
    const source = { protocol: this.protocol, ...from };
    this.handlers.onMessage({ parsed: readMessage(raw), raw, source, via: this, ...(this.reliable ? { connectionId: `fake-${from.host}:${from.port}` } : {}) });
  }

  /** The requests sent, in order. */
  requests(): SipRequest[] {
    return this.sent.flatMap((s) => (s.message instanceof SipRequest ? [s.message] : []));
  }

  /** The responses sent to the request with this top Via branch, in order. */
  responsesTo(branch: string): SipResponse[] {
    return this.sent.flatMap((s) => (s.message instanceof SipResponse && s.message.topVia.params.get('branch') === branch ? [s.message] : []));
  }
}
