/**
 * What the halves of the user-agent core (uac.ts, uas.ts, route.ts,
 * wire.ts) and its users share, in a leaf that imports no half: the role
 * of re's private src/sip/sip.h. Our capabilities are declared here once.
 */
import type { ResponseOptions, SipRequest, SipResponse } from '../message/index.js';
import type { InviteClientTransaction } from '../transaction/invite-client-transaction.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { NonInviteClientTransaction } from '../transaction/non-invite-client-transaction.js';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { Endpoint } from '../transport/endpoint.js';
import type { Received, Transport } from '../transport/transport.js';

/** The methods we implement (§8.2.1, §20.5), PRACK included (RFC 3262). */
export const ALLOW = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'MESSAGE', 'UPDATE', 'PRACK'];
/** The extensions we support (§20.37): reliable provisionals (RFC 3262), Replaces (RFC 3891). */
export const SUPPORTED = ['100rel', 'replaces'];

/** An incoming request, handed to the transaction user registered for its method. */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly source: Endpoint;
  readonly transport: Transport;
  /** Sends a response through the server transaction (the first final one ends it). */
  respond(status: number, reason?: string, opts?: ResponseOptions): SipResponse;
  /** For INVITE: called when a CANCEL for it arrives (after we answered the CANCEL 200). */
  onCancel(fn: () => void): void;
  /**
   * Refuses without keeping any state (RFC 3261 §8.2.7, stateless UAS): the
   * server transaction is dropped unanswered, one minimal final response
   * goes out (no retransmission until Timer H, no 100 Trying before it), and
   * `logLine` joins a rate-limited summary. For requests from strangers,
   * whose floods must cost no memory (issue 12). Only before any response;
   * afterwards it answers through the transaction like respond().
   */
  rejectStateless(status: number, logLine?: string): void;
}

export type RequestHandler = (incoming: IncomingRequest) => void;

/**
 * Why a client transaction got no response: Timer B/F fired (`timeout`),
 * or the request could not be sent (`unreachable`: no route, no
 * transport, a transport error). The TU acts as on 408 or 503 (§8.1.3.1).
 */
export interface ClientFailure {
  kind: 'timeout' | 'unreachable';
  reason: string;
}

export interface ClientCallbacks {
  onResponse(response: SipResponse): void;
  onFailure(failure: ClientFailure): void;
}

/**
 * What reaches the layers above outside any transaction: the ACK for a
 * 2xx (§17.2.1: it belongs to the dialog), a 2xx to an INVITE whose client
 * transaction has ended (RFC 6026: the dialog re-ACKs it), a TCP/TLS flow
 * that went away (RFC 5626 §4.4: registration re-registers).
 */
export interface CoreDelegate {
  onAck?(ack: SipRequest, received: Received): void;
  onStraySuccess?(response: SipResponse, received: Received): void;
  onFlowClosed?(remote: Endpoint): void;
}

/** Where a request goes and over which of our transports: worked out once per new request. */
export interface Route {
  readonly destination: Endpoint;
  readonly transport: Transport;
  /**
   * Where to try next, in order, when this hop times out, cannot be
   * reached or answers 503 (RFC 3263 §4.3: the other SRV targets and
   * addresses of the same name).
   */
  readonly fallbacks?: readonly Route[];
  /** Route header values the request must carry (a preloaded proxy, §8.1.2); added when it has none. */
  readonly routeSet?: readonly string[];
}

export interface OutgoingRequest {
  readonly request: SipRequest;
  readonly destination: Endpoint;
  readonly transport: Transport;
}

export type ServerTx = InviteServerTransaction<SipRequest, SipResponse> | NonInviteServerTransaction<SipRequest, SipResponse>;
export type ClientTx = InviteClientTransaction<SipRequest, SipResponse> | NonInviteClientTransaction<SipRequest, SipResponse>;
