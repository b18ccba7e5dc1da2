/**
 * The user-agent core: transports below, transactions in the middle, the
 * transaction users (registration, calls, door) above, registered by
 * method. It owns the RFC 3261 rules that are the same for every request:
 * Via handling with rport (RFC 3581), response routing (§18.2.2),
 * transaction matching (§17), CANCEL (§9.2), OPTIONS (§11), unsupported
 * methods and extensions (§8.2.1, §8.2.2.3), and 400 for what does not parse.
 */
import type { Logger } from '../../log/logger.js';
import {
  createErrorResponse,
  createResponse,
  formatVia,
  newBranch,
  newTagFor,
  sameTransactionRequest,
  serialiseMessage,
  type SipRequest,
  type SipResponse,
  type ResponseOptions,
} from '../message/index.js';
import { InviteClientTransaction } from '../transaction/invite-client-transaction.js';
import { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import { NonInviteClientTransaction } from '../transaction/non-invite-client-transaction.js';
import { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { TimerValues } from '../transaction/timers.js';
import type { TransactionTransport } from '../transaction/transaction.js';
import { hostPort, parseListen, viaTransport, type Endpoint, type TransportProtocol } from '../transport/endpoint.js';
import { StreamTransport } from '../transport/stream-transport.js';
import type { Received, Transport } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { DestinationError, endpointOfUri, resolveEndpoint } from './destination.js';
import { isWildcard, sourceAddressToward } from './local-address.js';
import { clientKey, clientKeyOfResponse, serverKey } from './transaction-keys.js';
import { errorMessage } from '../../log/error-message.js';

export interface SipStackOptions {
  listen: readonly string[];
  userAgent: string;
  log: Logger;
  tls?: { cert?: Buffer; key?: Buffer; verify: boolean; ca?: Buffer };
  /** Every out-of-dialog request goes here when set (config `account.outbound_proxy`). */
  outboundProxy?: string;
  timers?: Partial<TimerValues>;
}

/** An incoming request, handed to the transaction user registered for its method. */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly source: Endpoint;
  readonly transport: Transport;
  /** Sends a response through the server transaction (the first final one ends it). */
  respond(status: number, reason?: string, opts?: ResponseOptions): SipResponse;
  /** For INVITE: called when a CANCEL for it arrives (after we answered the CANCEL 200). */
  onCancel(fn: () => void): void;
}

export type RequestHandler = (incoming: IncomingRequest) => void;

export interface ClientCallbacks {
  onResponse(response: SipResponse): void;
  /** Timer B/F, or no transport could reach the destination: the TU acts as on 408 (§8.1.3.1). */
  onFailure(reason: string): void;
}

/** Where a request goes and over which of our transports: worked out once per new request. */
export interface Route {
  readonly destination: Endpoint;
  readonly transport: Transport;
}

export interface OutgoingRequest {
  readonly request: SipRequest;
  readonly destination: Endpoint;
  readonly transport: Transport;
}

type ServerTx = InviteServerTransaction<SipRequest, SipResponse> | NonInviteServerTransaction<SipRequest, SipResponse>;
type ClientTx = InviteClientTransaction<SipRequest, SipResponse> | NonInviteClientTransaction<SipRequest, SipResponse>;

export const ALLOW = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'MESSAGE', 'UPDATE'];

export class SipStack {
  readonly transports: Transport[];
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly servers = new Map<string, ServerTx>();
  private readonly clients = new Map<string, ClientTx>();
  private readonly cancelHooks = new Map<string, () => void>();
  /** For 2xx to INVITE that arrive after the client transaction ended (RFC 6026: the dialog re-ACKs). */
  strayInviteSuccess: ((res: SipResponse, received: Received) => void) | undefined;
  /** ACKs for 2xx, which belong to dialogs, not transactions (§17.2.1). */
  ackHandler: ((ack: SipRequest, received: Received) => void) | undefined;
  /** A TCP/TLS connection went away (registration re-registers over a new flow, RFC 5626 §4.4). */
  flowClosed: ((remote: Endpoint) => void) | undefined;
  private readonly log: Logger;
  private malformed = 0;

  constructor(private readonly opts: SipStackOptions) {
    this.log = opts.log;
    const handlers = {
      onMessage: (r: Received) => this.receive(r),
      onConnectionClosed: (remote: Endpoint) => {
        this.log.debug(`connection to ${remote.host}:${remote.port} closed`);
        this.flowClosed?.(remote);
      },
    };
    this.transports = opts.listen.map((spec) => {
      const e = parseListen(spec);
      return e.protocol === 'udp' ? new UdpTransport(e, handlers, this.log) : new StreamTransport(e, handlers, this.log, { tls: opts.tls });
    });
    this.handle('OPTIONS', (inc) => inc.respond(200, 'OK', { headers: this.capabilityHeaders() }));
  }

  async start(): Promise<void> {
    for (const t of this.transports) {
      try {
        await t.start();
      } catch (e) {
        throw new Error(`cannot listen on ${t.protocol}:${hostPort(t.local.host, t.local.port)}: ${errorMessage(e)}`);
      }
      this.log.info(`listening on ${t.protocol}:${hostPort(t.local.host, t.local.port)}`);
    }
  }

  async stop(): Promise<void> {
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.dispose();
    await Promise.all(this.transports.map((t) => t.stop()));
  }

  /** One transaction user per method; OPTIONS has a default. */
  handle(method: string, handler: RequestHandler): void {
    this.handlers.set(method, handler);
  }

  capabilityHeaders(): Array<[string, string]> {
    return [
      ['Allow', ALLOW.join(', ')],
      ['Accept', 'application/sdp, text/plain, application/dtmf-relay, application/dtmf'],
      ['Supported', 'replaces, outbound'],
    ];
  }

  transportFor(protocol: TransportProtocol): Transport | undefined {
    return this.transports.find((t) => t.protocol === protocol);
  }

  /** Our address as a peer reached over `transport` sees it (for SDP c= lines). */
  async localAddress(transport: Transport, toward: string): Promise<string> {
    return isWildcard(transport.local.host) ? sourceAddressToward(toward) : transport.local.host;
  }

  /** `sip:user@host:port;transport=x` at which we can be reached over `transport` from `toward`. */
  async contactUri(user: string, transport: Transport, toward: string): Promise<string> {
    const host = isWildcard(transport.local.host) ? await sourceAddressToward(toward) : transport.local.host;
    const scheme = transport.protocol === 'tls' ? 'sips' : 'sip';
    const tp = transport.protocol === 'udp' || transport.protocol === 'tls' ? '' : `;transport=${transport.protocol}`;
    return `${scheme}:${user ? `${encodeURIComponent(user)}@` : ''}${hostPort(host, transport.local.port)}${tp}`;
  }

  /**
   * Where a new request goes and on which transport: the explicit
   * `target`, else the first Route (loose routing), else the outbound
   * proxy (out-of-dialog only), else the Request-URI.
   */
  async route(request: SipRequest, target?: string): Promise<Route> {
    const firstRoute = request.headers.get('Route');
    const hop = target ?? (firstRoute ? firstRoute.replace(/^[^<]*<([^>]*)>.*$/s, '$1') : undefined) ?? (this.opts.outboundProxy || undefined) ?? request.uri;
    return this.routeHop(hop);
  }

  /** The route of a new out-of-dialog request to `uri` that carries no Route: the outbound proxy, else `uri` itself. */
  routeOutOfDialog(uri: string): Promise<Route> {
    return this.routeHop(this.opts.outboundProxy || uri);
  }

  private async routeHop(hop: string): Promise<Route> {
    const wanted = endpointOfUri(hop);
    const transport = this.transportFor(wanted.protocol);
    if (!transport) throw new DestinationError(`no ${wanted.protocol} listener in sip.listen to reach ${hop}`);
    return { destination: await resolveEndpoint(wanted), transport };
  }

  /**
   * Sends a request in a new client transaction: Via with a fresh branch
   * and rport (RFC 3581 §3), Max-Forwards and User-Agent when missing.
   * `target` is the next hop, or the route already worked out for it.
   */
  async send(request: SipRequest, callbacks: ClientCallbacks, target?: string | Route): Promise<OutgoingRequest> {
    let out: OutgoingRequest & { branch: string };
    try {
      out = await this.prepare(request, target);
    } catch (e) {
      const why = errorMessage(e);
      queueMicrotask(() => callbacks.onFailure(why));
      throw e;
    }
    const { destination, transport, branch } = out;
    const wire = this.wireTo<SipRequest>(transport, destination);
    const key = clientKey(branch, request.cseq.method);
    const user = {
      onResponse: (r: SipResponse) => callbacks.onResponse(r),
      onTimeout: () => callbacks.onFailure('Request Timeout'),
      onTransportError: (e: Error) => callbacks.onFailure(e.message),
    };
    const tx: ClientTx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, wire, user, (res) => this.ackForFailure(request, res), this.opts.timers)
        : new NonInviteClientTransaction(key, request, wire, user, this.opts.timers);
    if (!tx.terminated) {
      this.clients.set(key, tx);
      tx.onTerminated(() => this.clients.delete(key));
    }
    return { request, destination, transport };
  }

  /**
   * The ACK for a 2xx, which is no transaction (§13.2.2.4, §17.1.1.3): its
   * own branch, sent as is; the caller re-sends it for every 2xx retransmission.
   */
  async sendAck(ack: SipRequest, target?: string): Promise<void> {
    const { destination, transport } = await this.prepare(ack, target);
    await this.sendStateless(ack, destination, transport);
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
    const tx = new NonInviteClientTransaction<SipRequest, SipResponse>(
      key,
      cancel,
      this.wireTo<SipRequest>(invite.transport, invite.destination),
      { onResponse: (r) => callbacks.onResponse(r), onTimeout: () => callbacks.onFailure('Request Timeout'), onTransportError: (e) => callbacks.onFailure(e.message) },
      this.opts.timers,
    );
    if (!tx.terminated) {
      this.clients.set(key, tx);
      tx.onTerminated(() => this.clients.delete(key));
    }
  }

  /** Routes a request and puts our Via on it (fresh branch, rport: RFC 3581 §3), Max-Forwards and User-Agent when missing. */
  private async prepare(request: SipRequest, target?: string | Route): Promise<OutgoingRequest & { branch: string }> {
    const { destination, transport } = typeof target === 'object' ? target : await this.route(request, target);
    const host = isWildcard(transport.local.host) ? await sourceAddressToward(destination.host) : transport.local.host;
    const branch = newBranch();
    request.headers.prepend('Via', `SIP/2.0/${viaTransport(transport.protocol)} ${hostPort(host, transport.local.port)};branch=${branch};rport`);
    if (!request.headers.has('Max-Forwards')) request.headers.set('Max-Forwards', '70');
    if (!request.headers.has('User-Agent')) request.headers.set('User-Agent', this.opts.userAgent);
    return { request, destination, transport, branch };
  }

  /** A 2xx ACK or other message sent outside any transaction (§13.2.2.4), to where the request went. */
  async sendStateless(message: SipRequest | SipResponse, destination: Endpoint, transport: Transport, connectionId?: string): Promise<void> {
    this.trace('sent', message, destination);
    await transport.send(serialiseMessage(message), destination, connectionId);
  }

  /** §17.1.1.3: the ACK a transaction sends for a 3xx-6xx carries the response's To (its tag). */
  private ackForFailure(invite: SipRequest, res: SipResponse): SipRequest {
    return sameTransactionRequest('ACK', invite, res.headers.get('To')!);
  }

  private wireTo<M extends SipRequest | SipResponse>(transport: Transport, to: Endpoint, connectionId?: string): TransactionTransport<M> {
    return {
      reliable: transport.reliable,
      send: (m: M) => {
        this.trace('sent', m, to);
        return transport.send(serialiseMessage(m), to, connectionId);
      },
    };
  }

  private trace(dir: 'sent' | 'received', m: SipRequest | SipResponse, peer: Endpoint): void {
    if (!this.log.enabled('trace')) return;
    // SDES keys (RFC 4568 a=crypto inline:) are secrets: never in a log, even at trace (SPEC §5).
    const text = serialiseMessage(m).toString('utf8').replace(/(a=crypto:\S+ \S+ inline:)[^\s|]+/g, '$1(hidden)');
    this.log.trace(`${dir} ${dir === 'sent' ? 'to' : 'from'} ${peer.protocol}:${hostPort(peer.host, peer.port)}:\n${text}`);
  }

  /** §18.2.2 with RFC 3581 §4: reliable → the same connection; else `received` and `rport`. */
  private responseDestination(req: SipRequest, received: Received): Endpoint {
    const via = req.topVia;
    const host = via.params.get('received') ?? via.host.replace(/^\[|\]$/g, '');
    const rport = via.params.get('rport');
    const port = rport ? Number(rport) : (via.port ?? 5060);
    return received.via.reliable ? received.source : { protocol: received.via.protocol, host, port };
  }

  private receive(r: Received): void {
    if (r.parsed.error) {
      this.rejectMalformed(r);
      return;
    }
    const m = r.parsed.message;
    this.trace('received', m, r.source);
    try {
      if (m.kind === 'request') this.receiveRequest(m, r);
      else this.receiveResponse(m, r);
    } catch (e) {
      // A header that only fails when a layer reads it (e.g. a bad Contact) must not escape.
      this.log.warn(`dropping ${m.kind === 'request' ? m.method : m.status} from ${r.source.host}:${r.source.port}: ${errorMessage(e)}`);
    }
  }

  private rejectMalformed(r: Received): void {
    const { error, request } = r.parsed;
    if (!error) return;
    // Rate-limited: a flood of junk must not flood the journal too.
    if (this.malformed++ < 20) this.log.warn(`malformed message from ${r.source.host}:${r.source.port}: ${error.message}`);
    const response = createErrorResponse(error, request);
    if (!response || !request) return;
    try {
      this.markReceived(request, r.source);
      const to = this.responseDestination(request, r);
      void this.sendStateless(response, to, r.via, r.connectionId).catch(() => {});
    } catch {
      // Could not even route the 400: drop, as §18 allows.
    }
  }

  /** RFC 3261 §18.2.1 and RFC 3581 §4: record where the request really came from. */
  private markReceived(req: SipRequest, source: Endpoint): void {
    const [top, ...rest] = req.headers.getAll('Via');
    if (top === undefined) return;
    const via = req.topVia;
    const sentBy = via.host.replace(/^\[|\]$/g, '');
    // RFC 3581 §4: with rport, `received` is added even when it equals sent-by.
    if (sentBy !== source.host || via.params.has('rport')) via.params.set('received', source.host);
    if (via.params.has('rport')) via.params.set('rport', String(source.port));
    req.headers.set('Via', [formatVia(via), ...rest]);
  }

  private receiveRequest(req: SipRequest, r: Received): void {
    this.markReceived(req, r.source);
    const key = serverKey(req);
    const existing = this.servers.get(key);
    if (req.method === 'ACK') {
      if (existing instanceof InviteServerTransaction && existing.state !== 'Accepted') existing.receiveAck(req);
      else {
        if (existing instanceof InviteServerTransaction) existing.receiveAck(req);
        this.ackHandler?.(req, r);
      }
      return;
    }
    if (existing) {
      existing.receiveRequest();
      return;
    }
    const respondTo = this.responseDestination(req, r);
    const wire = this.wireTo<SipResponse>(r.via, respondTo, r.connectionId);
    const tx: ServerTx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(key, req, wire, {}, this.opts.timers)
        : new NonInviteServerTransaction(key, req, wire, undefined, this.opts.timers);
    this.servers.set(key, tx);
    tx.onTerminated(() => {
      this.servers.delete(key);
      this.cancelHooks.delete(key);
    });

    const toTag = newTagFor(req);
    const respond = (status: number, reason?: string, o: ResponseOptions = {}) => {
      const res = createResponse(req, status, reason, { toTag, ...o });
      if (status > 100 && !res.headers.has('Server') && !res.headers.has('User-Agent')) res.headers.set('User-Agent', this.opts.userAgent);
      if ((status === 405 || status === 200) && !res.headers.has('Allow') && req.method !== 'OPTIONS') res.headers.set('Allow', ALLOW.join(', '));
      tx.respond(res);
      return res;
    };
    const incoming: IncomingRequest = {
      request: req,
      source: r.source,
      transport: r.via,
      respond,
      onCancel: (fn) => this.cancelHooks.set(key, fn),
    };

    if (req.method === 'INVITE') respond(100, 'Trying');
    // §8.2.2.1: a Request-URI scheme we do not know.
    if (!/^sips?:/i.test(req.uri)) return void respond(416, 'Unsupported URI Scheme');
    // §8.2.2.3: we require no extension, so any Require the UAS can't meet is 420.
    const required = req.headers.getAll('Require').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'outbound');
    if (required.length > 0 && req.method !== 'CANCEL') {
      return void respond(420, 'Bad Extension', { headers: [['Unsupported', required.join(', ')]] });
    }
    if (req.method === 'CANCEL') return this.receiveCancel(req, respond);
    const handler = this.handlers.get(req.method);
    // §8.2.1: a method we do not implement.
    if (!handler) return void respond(405, 'Method Not Allowed', { headers: [['Allow', ALLOW.join(', ')]] });
    handler(incoming);
  }

  /** §9.2: CANCEL matches the INVITE's server transaction; 200 for the CANCEL, then the TU answers 487. */
  private receiveCancel(req: SipRequest, respond: (s: number, r?: string) => SipResponse): void {
    const inviteKey = serverKey(req, 'INVITE');
    const invite = this.servers.get(inviteKey);
    if (!invite) return void respond(481, 'Call/Transaction Does Not Exist');
    respond(200, 'OK');
    if (invite.state === 'Proceeding') this.cancelHooks.get(inviteKey)?.();
  }

  private receiveResponse(res: SipResponse, r: Received): void {
    const key = clientKeyOfResponse(res);
    const tx = key ? this.clients.get(key) : undefined;
    if (tx) return tx.receiveResponse(res);
    if (res.cseq.method === 'INVITE' && res.status >= 200 && res.status < 300) this.strayInviteSuccess?.(res, r);
    else this.log.debug(`response ${res.status} matches no transaction; dropped (§17.1.3)`);
  }
}
