/**
 * Which TCP/TLS connection each pending client transaction's request went
 * out on, so that the loss of that connection fails the transaction at once
 * as a transport error (RFC 3261 §18.4, §17.1.1.2, §17.1.2.2) instead of a
 * wait for Timer B or F (64*T1, 32 s): a server that accepted the request
 * and then closed can no longer answer on it, and behind a NAT or with
 * RFC 5626 flows (§4.4) no other connection will bring the answer either.
 * UDP sends report no connection and are not watched.
 *
 * Bounded by the pending client transactions: an entry is added when a
 * send resolves with a connection id for a transaction still pending, and
 * removed when the transaction ends or its connection goes.
 */
import type { TransactionTransport } from '../transaction/transaction.js';

export class ClientFlows {
  /** Connection id → keys of the client transactions whose request went out on it. */
  private readonly byConnection = new Map<string, Set<string>>();
  /** Transaction key → its connection id. */
  private readonly connectionOf = new Map<string, string>();

  /** `pending(key)`: the transaction is still in the table (a send may resolve after it ended). */
  constructor(private readonly pending: (key: string) => boolean) {}

  /** `inner`, with the connection each send of transaction `key` resolves with noted. */
  watch<M>(key: string, inner: TransactionTransport<M>): TransactionTransport<M> {
    return {
      reliable: inner.reliable,
      send: (m: M) => {
        const sent = inner.send(m);
        if (!inner.reliable || !sent) return sent;
        return sent.then((id) => {
          if (typeof id === 'string' && this.pending(key)) this.note(key, id);
          return id;
        });
      },
    };
  }

  /** Transaction `key` has ended. */
  forget(key: string): void {
    const id = this.connectionOf.get(key);
    if (id === undefined) return;
    this.connectionOf.delete(key);
    const keys = this.byConnection.get(id);
    keys?.delete(key);
    if (keys?.size === 0) this.byConnection.delete(id);
  }

  /** Connection `id` is gone: the keys of the transactions that were waiting on it, no longer watched. */
  closed(id: string): string[] {
    const keys = [...(this.byConnection.get(id) ?? [])];
    this.byConnection.delete(id);
    for (const k of keys) this.connectionOf.delete(k);
    return keys;
  }

  /** Transactions watched (tests: nothing stays once they end). */
  get size(): number {
    return this.connectionOf.size;
  }

  private note(key: string, id: string): void {
    const old = this.connectionOf.get(key);
    if (old === id) return;
    if (old !== undefined) this.forget(key);
    this.connectionOf.set(key, id);
    let keys = this.byConnection.get(id);
    if (!keys) this.byConnection.set(id, (keys = new Set()));
    keys.add(key);
  }
}
