/** Non-INVITE server transaction: RFC 3261 §17.2.2. */
import type { TimerValues } from './timers.js';
import { Transaction, type ResponseLike, type TransactionTransport } from './transaction.js';

export type NonInviteServerState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export class NonInviteServerTransaction<Req, Res extends ResponseLike> extends Transaction<NonInviteServerState, Res> {
  readonly kind = 'non-invite-server' as const;
  private lastResponse: Res | undefined;

  constructor(
    id: string,
    readonly request: Req,
    transport: TransactionTransport<Res>,
    private readonly onTransportError: (error: Error) => void = () => {},
    timers?: Partial<TimerValues>,
  ) {
    super(id, transport, 'Trying', timers);
  }

  respond(response: Res): void {
    if (this._state === 'Completed' || this._state === 'Terminated') return;
    this.lastResponse = response;
    this.send(response);
    if (response.status < 200) {
      this._state = 'Proceeding';
      return;
    }
    this._state = 'Completed';
    // Timer J = 64*T1 keeps the final response for retransmitted requests; 0 on reliable transports.
    this.timers.start('J', this.transport.reliable ? 0 : 64 * this.T.T1, () => this.terminate());
  }

  /** §17.2.2: a retransmission is dropped in Trying and answered with the last response after. */
  receiveRequest(): void {
    if ((this._state === 'Proceeding' || this._state === 'Completed') && this.lastResponse) this.send(this.lastResponse);
  }

  protected transportError(error: Error): void {
    this.onTransportError(error);
    this.terminate();
  }
}
