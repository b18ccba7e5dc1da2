/**
 * The user-agent core: transports below, transactions in the middle, the
 * transaction users (registration, calls, door) above, registered by
 * method. This file holds the tables and the dispatch; the halves live
 * beside it (uac.ts, uas.ts), with routing (route.ts) and the wire
 * (wire.ts), and share only core-types.ts. OPTIONS (§11) is answered here.
 */
import type { Logger } from '../../log/logger.js';
import { errorMessage } from '../../log/error-message.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import type { TimerValues } from '../transaction/timers.js';
import { hostPort, parseListen, type Endpoint, type TransportProtocol } from '../transport/endpoint.js';
import { StreamTransport } from '../transport/stream-transport.js';
import type { Received, Transport, TransportHandlers } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { ALLOW, SUPPORTED, type ClientCallbacks, type CoreDelegate, type OutgoingRequest, type RequestHandler, type Route } from './core-types.js';
import { Routes, type DirectIp, type RegistrarHop } from './route.js';
import { SipResolver } from '../resolve/sip-resolver.js';
import { Uac } from './uac.js';
import { Uas } from './uas.js';
import { Wire } from './wire.js';

export type { ClientCallbacks, ClientFailure, CoreDelegate, IncomingRequest, OutgoingRequest, RequestHandler, Route } from './core-types.js';
export { ALLOW, SUPPORTED } from './core-types.js';
export type { DirectIp, RegistrarHop } from './route.js';

export interface SipStackOptions {
  listen: readonly string[];
  userAgent: string;
  log: Logger;
  tls?: { cert?: Buffer; key?: Buffer; verify: boolean; ca?: Buffer };
  /** Every out-of-dialog request goes here when set (config `account.outbound_proxy`). */
  outboundProxy?: string;
  /** How a target named by IP address is reached while a proxy or registrar is in use (config `call.direct_ip`). */
  directIp?: DirectIp;
  /** Name servers for RFC 3263 lookups, `HOST:PORT` (config `sip.dns_servers`); empty: the system's. */
  dnsServers?: readonly string[];
  /** `.local` names over multicast DNS (see SipResolverOptions.resolveLocal). */
  resolveLocal?: (host: string) => Promise<string | undefined>;
  timers?: Partial<TimerValues>;
  /** Tests only: another bound on server transactions than uas.ts's. */
  maxServerTransactions?: number;
  /**
   * The transports to use instead of those `listen` describes, given the
   * handlers they report to: the seam a test puts a fake transport in
   * (as sipgo's fakes/udp_conn.go, SIP.js's transport-fake.ts).
   */
  transports?: (handlers: TransportHandlers) => Transport[];
}

export class SipStack {
  readonly transports: Transport[];
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly delegates: CoreDelegate[] = [];
  private readonly log: Logger;
  private readonly wire: Wire;
  private readonly routes: Routes;
  private readonly uac: Uac;
  private readonly uas: Uas;

  constructor(opts: SipStackOptions) {
    const { log, userAgent, timers } = opts;
    this.log = log;
    const handlers: TransportHandlers = {
      onMessage: (r: Received) => this.receive(r),
      onConnectionClosed: (remote: Endpoint) => {
        this.log.debug(`connection to ${remote.host}:${remote.port} closed`);
        for (const d of this.delegates) d.onFlowClosed?.(remote);
      },
      onConnectionGone: (id: string, remote: Endpoint) => this.uac.connectionGone(id, remote),
    };
    this.transports =
      opts.transports?.(handlers) ??
      opts.listen.map((spec) => {
        const e = parseListen(spec);
        return e.protocol === 'udp' ? new UdpTransport(e, handlers, log) : new StreamTransport(e, handlers, log, { tls: opts.tls });
      });
    this.wire = new Wire(log);
    const resolver = new SipResolver({ servers: opts.dnsServers, resolveLocal: opts.resolveLocal, transports: new Set(this.transports.map((t) => t.protocol)) });
    this.routes = new Routes({ transports: this.transports, resolver, outboundProxy: opts.outboundProxy, directIp: opts.directIp });
    this.uac = new Uac({ routes: this.routes, wire: this.wire, log, userAgent, timers, onStraySuccess: (res, r) => this.delegates.forEach((d) => d.onStraySuccess?.(res, r)) });
    this.uas = new Uas({ wire: this.wire, log, userAgent, timers, maxTransactions: opts.maxServerTransactions, handlerFor: (m) => this.handlers.get(m), onAck: (ack, r) => this.delegates.forEach((d) => d.onAck?.(ack, r)) });
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
    this.uac.dispose();
    this.uas.dispose();
    await Promise.all(this.transports.map((t) => t.stop()));
  }

  /** One transaction user per method; OPTIONS has a default. */
  handle(method: string, handler: RequestHandler): void {
    this.handlers.set(method, handler);
  }

  /** What reaches the layers above outside any transaction (ACKs for 2xx, stray 2xx, closed flows). */
  addDelegate(delegate: CoreDelegate): void {
    this.delegates.push(delegate);
  }

  /** Server transactions alive: a flood refused statelessly leaves none (issue 12). */
  get serverTransactionCount(): number {
    return this.uas.transactionCount;
  }

  /** Pending client transactions whose TCP/TLS connection is watched: none once they end. */
  get watchedClientFlows(): number {
    return this.uac.watchedFlows;
  }

  capabilityHeaders(): Array<[string, string]> {
    return [
      ['Allow', ALLOW.join(', ')],
      ['Accept', 'application/sdp, text/plain, application/dtmf-relay, application/dtmf'],
      ['Supported', SUPPORTED.join(', ')],
    ];
  }

  transportFor(protocol: TransportProtocol): Transport | undefined {
    return this.routes.transportFor(protocol);
  }

  /** Our address as a peer reached over `transport` sees it (for SDP c= lines). */
  localAddress(transport: Transport, toward: string): Promise<string> {
    return this.routes.localAddress(transport, toward);
  }

  /** `sip:user@host:port;transport=x` at which we can be reached over `transport` from `toward`. */
  contactUri(user: string, transport: Transport, toward: string): Promise<string> {
    return this.routes.contactUri(user, transport, toward);
  }

  route(request: SipRequest, target?: string): Promise<Route> {
    return this.routes.route(request, target);
  }

  routeOutOfDialog(uri: string): Promise<Route> {
    return this.routes.routeOutOfDialog(uri);
  }

  /** While registered, new out-of-dialog requests go through the registrar this names (the registration's). */
  useRegistrar(registrar: () => RegistrarHop | undefined): void {
    this.routes.useRegistrar(registrar);
  }

  send(request: SipRequest, callbacks: ClientCallbacks, target?: string | Route): Promise<OutgoingRequest> {
    return this.uac.send(request, callbacks, target);
  }

  sendAck(ack: SipRequest, target?: string): Promise<void> {
    return this.uac.sendAck(ack, target);
  }

  cancel(invite: OutgoingRequest, callbacks: ClientCallbacks): Promise<void> {
    return this.uac.cancel(invite, callbacks);
  }

  sendStateless(message: SipRequest | SipResponse, destination: Endpoint, transport: Transport, connectionId?: string): Promise<void> {
    return this.wire.sendStateless(message, destination, transport, connectionId);
  }

  private receive(r: Received): void {
    if (r.parsed.error) {
      this.uas.rejectMalformed(r);
      return;
    }
    const m = r.parsed.message;
    this.wire.trace('received', m, r.source);
    try {
      if (m.kind === 'request') this.uas.receiveRequest(m, r);
      else this.uac.receiveResponse(m, r);
    } catch (e) {
      // A header that only fails when a layer reads it (e.g. a bad Contact) must not escape.
      this.log.warn(`dropping ${m.kind === 'request' ? m.method : m.status} from ${r.source.host}:${r.source.port}: ${errorMessage(e)}`);
    }
  }
}
