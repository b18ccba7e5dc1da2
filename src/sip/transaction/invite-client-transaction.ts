/**
 * INVITE client transaction: RFC 3261 §17.1.1, with the Accepted state of
 * RFC 6026 §7.2 so that 2xx retransmissions reach the TU (which ACKs each
 * one) instead of being taken for a new response.
 */
import { TIMER_D_UNRELIABLE, type TimerValues } from './timers.js';
import { Transaction, type ResponseLike, type TransactionTransport } from './transaction.js';
import type { ClientTransactionUser } from './transaction-user.js';

export type InviteClientState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

export class InviteClientTransaction<Req, Res extends ResponseLike> extends Transaction<InviteClientState, Req> {
  readonly kind = 'invite-client' as const;

  /**
   * `ack` builds the ACK for a 3xx-6xx: the transaction sends it itself
   * (§17.1.1.3); a 2xx is ACKed by the TU, end to end (§13.2.2.4).
   */
  constructor(
    id: string,
    readonly request: Req,
    transport: TransactionTransport<Req>,
    private readonly user: ClientTransactionUser<Res>,
    private readonly ack: (response: Res) => Req,
    timers?: Partial<TimerValues>,
  ) {
    super(id, transport, 'Calling', timers);
    this.send(request);
    // §17.1.1.2: Timer A only on unreliable transports, starting at T1 and doubling.
    if (!transport.reliable) this.startTimerA(this.T.T1);
    // Timer B = 64*T1 on every transport.
    this.timers.start('B', 64 * this.T.T1, () => {
      if (this._state !== 'Calling') return;
      this.user.onTimeout();
      this.terminate();
    });
  }

  private startTimerA(interval: number): void {
    this.timers.start('A', interval, () => {
      if (this._state !== 'Calling') return;
      this.send(this.request);
      this.startTimerA(interval * 2);
    });
  }

  receiveResponse(response: Res): void {
    const code = response.status;
    switch (this._state) {
      case 'Calling':
      case 'Proceeding':
        if (code < 200) {
          // §17.1.1.2: a provisional response stops retransmission; Timer B only matters in Calling.
          this._state = 'Proceeding';
          this.timers.stop('A');
          this.timers.stop('B');
          this.user.onResponse(response);
        } else if (code < 300) {
          // RFC 6026 §7.2: 2xx → Accepted, Timer M = 64*T1 to absorb retransmissions through the TU.
          this._state = 'Accepted';
          this.timers.stop('A');
          this.timers.stop('B');
          this.timers.start('M', 64 * this.T.T1, () => this.terminate());
          this.user.onResponse(response);
        } else {
          // §17.1.1.2: 300-699 → Completed, ACK, Timer D.
          this._state = 'Completed';
          this.timers.stop('A');
          this.timers.stop('B');
          this.send(this.ack(response));
          this.user.onResponse(response);
          this.timers.start('D', this.transport.reliable ? 0 : TIMER_D_UNRELIABLE, () => this.terminate());
        }
        return;
      case 'Completed':
        // §17.1.1.2: a retransmitted final response gets the ACK again and stays away from the TU.
        if (code >= 300) this.send(this.ack(response));
        return;
      case 'Accepted':
        // RFC 6026 §8.4: every 2xx goes to the TU, which re-sends its ACK.
        if (code >= 200 && code < 300) this.user.onResponse(response);
        return;
      case 'Terminated':
        return;
    }
  }

  /**
   * The TCP/TLS connection the INVITE went out on closed before a final
   * response: a transport error (§18.4; as PJSIP fails a transaction whose
   * transport disconnects, and RFC 5626 §4.4 treats a lost flow as failed).
   * Only while awaiting one, in Calling or Proceeding; Completed and
   * Accepted have their answer, Terminated is done.
   */
  connectionLost(error: Error): void {
    if (this._state === 'Calling' || this._state === 'Proceeding') this.transportError(error);
  }

  protected transportError(error: Error): void {
    // §17.1.1.2: in Calling (and Completed) a transport error terminates and informs the TU.
    if (this._state === 'Calling' || this._state === 'Proceeding') this.user.onTransportError(error);
    if (this._state !== 'Accepted') this.terminate();
  }
}
