/**
 * The client half of the user-agent core: a request in a new client
 * transaction (§17.1) with our Via (fresh branch, rport: RFC 3581 §3), the
 * ACK for a 2xx (no transaction, §13.2.2.4), CANCEL (§9.1), and responses
 * matched to their transaction (§17.1.3).
 */
import type { Logger } from '../../log/logger.js';
import { errorMessage } from '../../log/error-message.js';
import { newBranch, sameTransactionRequest, type SipRequest, type SipResponse } from '../message/index.js';
import { InviteClientTransaction } from '../transaction/invite-client-transaction.js';
import { NonInviteClientTransaction } from '../transaction/non-invite-client-transaction.js';
import type { TimerValues } from '../transaction/timers.js';
import { hostPort, viaTransport, type Endpoint } from '../transport/endpoint.js';
import { TransportError, type Received, type Transport } from '../transport/transport.js';
import { ClientFlows } from './client-flows.js';
import type { ClientCallbacks, ClientTx, OutgoingRequest, Route } from './core-types.js';
import { isWildcard, sourceAddressToward } from './local-address.js';
import type { Routes } from './route.js';
import { clientKey, clientKeyOfResponse } from './transaction-keys.js';
import type { Wire } from './wire.js';

export interface UacOptions {
  routes: Routes;
  wire: Wire;
  log: Logger;
  userAgent: string;
  timers?: Partial<TimerValues>;
  /** A 2xx to an INVITE whose client transaction has ended. */
  onStraySuccess(response: SipResponse, received: Received): void;
}

export class Uac {
  private readonly clients = new Map<string, ClientTx>();
  /** The TCP/TLS connection each pending client transaction's request used (§18.4: its loss is a transport error). */
  private readonly flows = new ClientFlows((key) => this.clients.has(key));

  constructor(private readonly o: UacOptions) {}

  /**
   * Sends a request in a new client transaction: Via with a fresh branch
   * and rport (RFC 3581 §3), Max-Forwards and User-Agent when missing.
   * `target` is the next hop, or the route already worked out for it.
   * When the hop times out, cannot be reached or answers 503 before any
   * other response, the request goes to the route's next fallback in a
   * new transaction (RFC 3263 §4.3: new branch); the returned request
   * follows it, so a CANCEL goes where the INVITE went last.
   */
  async send(request: SipRequest, callbacks: ClientCallbacks, target?: string | Route): Promise<OutgoingRequest> {
    let routed: Route;
    try {
      routed = typeof target === 'object' ? target : await this.o.routes.route(request, target);
    } catch (e) {
      const reason = errorMessage(e);
      queueMicrotask(() => callbacks.onFailure({ kind: 'unreachable', reason }));
      throw e;
    }
    if (routed.routeSet && !request.headers.has('Route')) for (const r of routed.routeSet) request.headers.append('Route', r);
    const hops = [routed, ...(routed.fallbacks ?? [])];
    const out: { request: SipRequest; destination: Endpoint; transport: Transport } = { request, destination: routed.destination, transport: routed.transport };
    const attempt = async (i: number): Promise<void> => {
      const hop = hops[i]!;
      if (i > 0) request.headers.set('Via', request.headers.getAll('Via').slice(1));
      const { branch } = await this.prepare(request, hop);
      out.destination = hop.destination;
      out.transport = hop.transport;
      const key = clientKey(branch, request.cseq.method);
      let heard = false;
      const next = (why: string): boolean => {
        if (heard || i + 1 >= hops.length) return false;
        const n = hops[i + 1]!.destination;
        this.o.log.info(`${request.method} to ${hostPort(hop.destination.host, hop.destination.port)}: ${why}; trying ${n.protocol}:${hostPort(n.host, n.port)} (RFC 3263 §4.3)`);
        attempt(i + 1).catch((e: unknown) => callbacks.onFailure({ kind: 'unreachable', reason: errorMessage(e) }));
        return true;
      };
      const user = {
        onResponse: (r: SipResponse) => {
          if (r.status === 503 && next('503')) return;
          if (r.status > 100) heard = true;
          callbacks.onResponse(r);
        },
        onTimeout: () => next('no answer') || callbacks.onFailure({ kind: 'timeout', reason: 'Request Timeout' }),
        onTransportError: (e: Error) => next(e.message) || callbacks.onFailure({ kind: 'unreachable', reason: e.message }),
      };
      const wire = this.flows.watch(key, this.o.wire.to<SipRequest>(hop.transport, hop.destination));
      const tx: ClientTx =
        request.method === 'INVITE'
          ? new InviteClientTransaction(key, request, wire, user, (res) => ackForFailure(request, res), this.o.timers)
          : new NonInviteClientTransaction(key, request, wire, user, this.o.timers);
      this.track(key, tx);
    };
    await attempt(0);
    return out;
  }

  /**
   * The ACK for a 2xx, which is no transaction (§13.2.2.4, §17.1.1.3): its
   * own branch, sent as is; the caller re-sends it for every 2xx retransmission.
   */
  async sendAck(ack: SipRequest, target?: string): Promise<void> {
    const { destination, transport } = await this.prepare(ack, target);
    await this.o.wire.sendStateless(ack, destination, transport);
  }

  /**
   * CANCEL (§9.1): the INVITE's Request-URI, Call-ID, From, To, CSeq number
   * and top Via (same branch), so the server matches it to the INVITE's
   * transaction; sent where the INVITE went.
   */
  async cancel(invite: OutgoingRequest, callbacks: ClientCallbacks): Promise<void> {
    const inv = invite.request;
    const cancel = sameTransactionRequest('CANCEL', inv, inv.headers.get('To')!);
    const branch = inv.topVia.params.get('branch')!;
    const key = clientKey(branch, 'CANCEL');
    const wire = this.flows.watch(key, this.o.wire.to<SipRequest>(invite.transport, invite.destination));
    const tx = new NonInviteClientTransaction<SipRequest, SipResponse>(key, cancel, wire, transactionUser(callbacks), this.o.timers);
    this.track(key, tx);
  }

  /** §17.1.3: a response goes to the transaction whose branch and method it carries. */
  receiveResponse(res: SipResponse, r: Received): void {
    const key = clientKeyOfResponse(res);
    const tx = key ? this.clients.get(key) : undefined;
    if (tx) return tx.receiveResponse(res);
    if (res.cseq.method === 'INVITE' && res.status >= 200 && res.status < 300) this.o.onStraySuccess(res, r);
    else this.o.log.debug(`response ${res.status} matches no transaction; dropped (§17.1.3)`);
  }

  /**
   * A TCP/TLS connection is gone: each client transaction whose request
   * went out on it and still awaits a final response fails now with a
   * transport error (§18.4; §17.1.1.2 Calling/Proceeding, §17.1.2.2
   * Trying/Proceeding), not after Timer B/F. The TU hears it as
   * `unreachable` (§8.1.3.1: as 503), and a route with fallbacks moves on
   * (RFC 3263 §4.3) unless the hop had already answered.
   */
  connectionGone(connectionId: string, remote: Endpoint): void {
    for (const key of this.flows.closed(connectionId)) {
      const error = new TransportError(`${remote.protocol} connection to ${hostPort(remote.host, remote.port)} closed before a final response`);
      this.clients.get(key)?.connectionLost(error);
    }
  }

  /** Client transactions whose connection is watched (tests: bounded by the pending ones). */
  get watchedFlows(): number {
    return this.flows.size;
  }

  dispose(): void {
    for (const tx of this.clients.values()) tx.dispose();
  }

  private track(key: string, tx: ClientTx): void {
    if (tx.terminated) return;
    this.clients.set(key, tx);
    tx.onTerminated(() => {
      this.clients.delete(key);
      this.flows.forget(key);
    });
  }

  /** Routes a request and puts our Via on it (fresh branch, rport: RFC 3581 §3), Max-Forwards and User-Agent when missing. */
  private async prepare(request: SipRequest, target?: string | Route): Promise<OutgoingRequest & { branch: string }> {
    const { destination, transport } = typeof target === 'object' ? target : await this.o.routes.route(request, target);
    const host = isWildcard(transport.local.host) ? await sourceAddressToward(destination.host) : transport.local.host;
    const branch = newBranch();
    request.headers.prepend('Via', `SIP/2.0/${viaTransport(transport.protocol)} ${hostPort(host, transport.local.port)};branch=${branch};rport`);
    if (!request.headers.has('Max-Forwards')) request.headers.set('Max-Forwards', '70');
    if (!request.headers.has('User-Agent')) request.headers.set('User-Agent', this.o.userAgent);
    return { request, destination, transport, branch };
  }
}

function transactionUser(callbacks: ClientCallbacks) {
  return {
    onResponse: (r: SipResponse) => callbacks.onResponse(r),
    onTimeout: () => callbacks.onFailure({ kind: 'timeout', reason: 'Request Timeout' }),
    onTransportError: (e: Error) => callbacks.onFailure({ kind: 'unreachable', reason: e.message }),
  };
}

/** §17.1.1.3: the ACK a transaction sends for a 3xx-6xx carries the response's To (its tag). */
function ackForFailure(invite: SipRequest, res: SipResponse): SipRequest {
  return sameTransactionRequest('ACK', invite, res.headers.get('To')!);
}
