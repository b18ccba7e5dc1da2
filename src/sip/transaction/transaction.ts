/**
 * What the four transaction state machines of RFC 3261 §17 share: a
 * transport to send on, timers, a terminal state and the hooks that tell
 * the transaction user (TU) and the transaction table what happened.
 */
import { DEFAULT_TIMERS, TimerSet, type TimerValues } from './timers.js';

/** The part of a response a transaction looks at. */
export interface ResponseLike {
  readonly status: number;
}

export interface TransactionTransport<Out> {
  /** UDP is not; TCP and TLS are (§17: retransmissions and waits only on unreliable transports). */
  readonly reliable: boolean;
  /** May resolve with the id of the TCP/TLS connection used (the core watches it: uac.ts). */
  send(message: Out): void | Promise<unknown>;
}

export type TransactionKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';

export abstract class Transaction<State extends string, Out> {
  abstract readonly kind: TransactionKind;
  protected readonly timers = new TimerSet();
  protected readonly T: TimerValues;
  private terminatedHooks: Array<() => void> = [];

  protected constructor(
    readonly id: string,
    protected readonly transport: TransactionTransport<Out>,
    protected _state: State,
    timers: Partial<TimerValues> = {},
  ) {
    this.T = { ...DEFAULT_TIMERS, ...timers };
  }

  get state(): State {
    return this._state;
  }

  get terminated(): boolean {
    return this._state === 'Terminated';
  }

  /** Called once, when the transaction reaches Terminated (the table drops it then). */
  onTerminated(hook: () => void): void {
    this.terminatedHooks.push(hook);
  }

  protected abstract transportError(error: Error): void;

  protected send(message: Out): void {
    try {
      const sent = this.transport.send(message);
      if (sent && typeof (sent as Promise<unknown>).catch === 'function') {
        (sent as Promise<unknown>).catch((e: unknown) => this.failTransport(e));
      }
    } catch (e) {
      this.failTransport(e);
    }
  }

  private failTransport(e: unknown): void {
    if (!this.terminated) this.transportError(e instanceof Error ? e : new Error(String(e)));
  }

  protected terminate(): void {
    if (this._state === 'Terminated') return;
    this._state = 'Terminated' as State;
    this.timers.clear();
    const hooks = this.terminatedHooks;
    this.terminatedHooks = [];
    for (const h of hooks) h();
  }

  /** Stops every timer without telling the TU: the stack is shutting down. */
  dispose(): void {
    this.terminate();
  }
}
