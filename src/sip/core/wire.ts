/** Putting messages on a transport, with the trace log every one of them gets (its secrets hidden by the log sink). */
import type { Logger } from '../../log/logger.js';
import { serialiseMessage, type SipRequest, type SipResponse } from '../message/index.js';
import type { TransactionTransport } from '../transaction/transaction.js';
import { hostPort, type Endpoint } from '../transport/endpoint.js';
import type { Transport } from '../transport/transport.js';

export class Wire {
  constructor(private readonly log: Logger) {}

  /** A transaction's way to `to` over `transport` (on `connectionId` for responses on a stream). */
  to<M extends SipRequest | SipResponse>(transport: Transport, to: Endpoint, connectionId?: string): TransactionTransport<M> {
    return {
      reliable: transport.reliable,
      send: (m: M) => {
        this.trace('sent', m, to);
        return transport.send(serialiseMessage(m), to, connectionId);
      },
    };
  }

  /** A 2xx ACK or other message sent outside any transaction (§13.2.2.4), to where the request went. */
  async sendStateless(message: SipRequest | SipResponse, destination: Endpoint, transport: Transport, connectionId?: string): Promise<void> {
    this.trace('sent', message, destination);
    await transport.send(serialiseMessage(message), destination, connectionId);
  }

  trace(dir: 'sent' | 'received', m: SipRequest | SipResponse, peer: Endpoint): void {
    if (!this.log.enabled('trace')) return;
    // SDES keys (RFC 4568 a=crypto inline:), digest responses and DTMF Signal= are hidden by the log
    // sink, in every line at every level (log/redact.ts); INFO and MESSAGE bodies carry door-code
    // digits (RFC 6086 dtmf-relay, application/dtmf, a code in a MESSAGE): only their size is logged.
    let text = serialiseMessage(m).toString('utf8');
    if (m.kind === 'request' && (m.method === 'INFO' || m.method === 'MESSAGE') && m.body.length > 0) {
      const head = text.indexOf('\r\n\r\n');
      if (head >= 0) text = `${text.slice(0, head + 4)}(body of ${m.body.length} bytes not logged: it may carry door-code digits)`;
    }
    this.log.trace(`${dir} ${dir === 'sent' ? 'to' : 'from'} ${peer.protocol}:${hostPort(peer.host, peer.port)}:\n${text}`);
  }
}
