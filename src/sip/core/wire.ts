/** Putting messages on a transport, with the trace log every one of them gets (and its SDES keys hidden). */
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
    // SDES keys (RFC 4568 a=crypto inline:) are secrets: never in a log, even at trace (SPEC §5).
    const text = serialiseMessage(m).toString('utf8').replace(/(a=crypto:\S+ \S+ inline:)[^\s|]+/g, '$1(hidden)');
    this.log.trace(`${dir} ${dir === 'sent' ? 'to' : 'from'} ${peer.protocol}:${hostPort(peer.host, peer.port)}:\n${text}`);
  }
}
