/** Non-INVITE client transaction: RFC 3261 §17.1.2 (REGISTER, BYE, CANCEL, OPTIONS, INFO, MESSAGE…). */
import type { TimerValues } from './timers.js';
import { Transaction, type ResponseLike, type TransactionTransport } from './transaction.js';
import type { ClientTransactionUser } from './transaction-user.js';

export type NonInviteClientState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export class NonInviteClientTransaction<Req, Res extends ResponseLike> extends Transaction<NonInviteClientState, Req> {
  readonly kind = 'non-invite-client' as const;

  constructor(
    id: string,
    readonly request: Req,
    transport: TransactionTransport<Req>,
    private readonly user: ClientTransactionUser<Res>,
    timers?: Partial<TimerValues>,
  ) {
    super(id, transport, 'Trying', timers);
    this.send(request);
    if (!transport.reliable) this.startTimerE(this.T.T1);
    this.timers.start('F', 64 * this.T.T1, () => {
      if (this._state !== 'Trying' && this._state !== 'Proceeding') return;
      this.user.onTimeout();
      this.terminate();
    });
  }

  /**
   * §17.1.2.2: Timer E doubles up to T2 in Trying; in Proceeding it fires
   * every T2.
   */
  private startTimerE(interval: number): void {
    this.timers.start('E', interval, () => {
      if (this._state !== 'Trying' && this._state !== 'Proceeding') return;
      this.send(this.request);
      this.startTimerE(this._state === 'Proceeding' ? this.T.T2 : Math.min(2 * interval, this.T.T2));
    });
  }

  receiveResponse(response: Res): void {
    if (this._state !== 'Trying' && this._state !== 'Proceeding') return; // Completed absorbs retransmissions
    if (response.status < 200) {
      this._state = 'Proceeding';
      this.user.onResponse(response);
      return;
    }
    this._state = 'Completed';
    this.timers.stop('E');
    this.timers.stop('F');
    this.user.onResponse(response);
    // Timer K = T4 on unreliable transports, 0 on reliable ones.
    this.timers.start('K', this.transport.reliable ? 0 : this.T.T4, () => this.terminate());
  }

  /**
   * The TCP/TLS connection the request went out on closed before a final
   * response: a transport error (§18.4, §17.1.2.2: Trying or Proceeding →
   * Terminated, the TU told), not a wait for Timer F. Completed (answered)
   * and Terminated are left alone.
   */
  connectionLost(error: Error): void {
    if (this._state === 'Trying' || this._state === 'Proceeding') this.transportError(error);
  }

  protected transportError(error: Error): void {
    this.user.onTransportError(error);
    this.terminate();
  }
}
