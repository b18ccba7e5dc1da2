/**
 * INVITE server transaction: RFC 3261 §17.2.1 with RFC 6026 §7.1's
 * Accepted state: after a 2xx the transaction lives on for Timer L so a
 * retransmitted INVITE is absorbed instead of looking like a new call.
 */
import type { TimerValues } from './timers.js';
import { Transaction, type ResponseLike, type TransactionTransport } from './transaction.js';

export type InviteServerState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';

export interface InviteServerUser<Req> {
  /** An ACK for a 2xx, matched to this transaction while Accepted (RFC 6026 §8.7). */
  onAck?(ack: Req): void;
  /** Timer H: no ACK for our 3xx-6xx in 64*T1 (§17.2.1). */
  onTimeout?(): void;
  onTransportError?(error: Error): void;
}

export class InviteServerTransaction<Req, Res extends ResponseLike> extends Transaction<InviteServerState, Res> {
  readonly kind = 'invite-server' as const;
  private lastResponse: Res | undefined;

  constructor(
    id: string,
    readonly request: Req,
    transport: TransactionTransport<Res>,
    private readonly user: InviteServerUser<Req> = {},
    timers?: Partial<TimerValues>,
  ) {
    super(id, transport, 'Proceeding', timers);
  }

  /** The TU's response (§17.2.1). A 100 Trying is sent by the TU at once; nothing here delays it. */
  respond(response: Res): void {
    const code = response.status;
    switch (this._state) {
      case 'Proceeding':
        this.lastResponse = response;
        this.send(response);
        if (code >= 200 && code < 300) {
          this._state = 'Accepted';
          this.timers.start('L', 64 * this.T.T1, () => this.terminate());
        } else if (code >= 300) {
          this._state = 'Completed';
          if (!this.transport.reliable) this.startTimerG(this.T.T1);
          this.timers.start('H', 64 * this.T.T1, () => {
            this.user.onTimeout?.();
            this.terminate();
          });
        }
        return;
      case 'Accepted':
        // RFC 6026 §8.5: the TU's 2xx retransmissions go out through the transaction.
        if (code >= 200 && code < 300) this.send(response);
        return;
      default:
        return;
    }
  }

  /** §17.2.1: Timer G resends the final response, doubling up to T2, until the ACK. */
  private startTimerG(interval: number): void {
    this.timers.start('G', interval, () => {
      if (this._state !== 'Completed' || !this.lastResponse) return;
      this.send(this.lastResponse);
      this.startTimerG(Math.min(2 * interval, this.T.T2));
    });
  }

  /** A retransmission of the INVITE. */
  receiveRequest(): void {
    // §17.2.1: in Proceeding and Completed the last response goes out again;
    // RFC 6026 §8.7: in Accepted the retransmission is absorbed.
    if ((this._state === 'Proceeding' || this._state === 'Completed') && this.lastResponse) this.send(this.lastResponse);
  }

  receiveAck(ack: Req): void {
    if (this._state === 'Completed') {
      this._state = 'Confirmed';
      this.timers.stop('G');
      this.timers.stop('H');
      // Timer I = T4 absorbs ACK retransmissions; 0 on reliable transports.
      this.timers.start('I', this.transport.reliable ? 0 : this.T.T4, () => this.terminate());
    } else if (this._state === 'Accepted') {
      this.user.onAck?.(ack);
    }
  }

  protected transportError(error: Error): void {
    this.user.onTransportError?.(error);
    this.terminate();
  }
}
