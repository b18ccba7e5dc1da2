/**
 * The interface the SIP layers above see: one per listening address, each
 * able to send a message to an endpoint and to report what arrives with
 * where it came from (RFC 3261 §18).
 */
import type { ParseResult } from '../message/index.js';
import type { Endpoint, TransportProtocol } from './endpoint.js';

export interface Received {
  /** The message, parsed and validated; or why it could not be (`request` set when a 400 can be tried). */
  parsed: ParseResult;
  /** Its bytes, for trace logs. */
  raw: Buffer;
  source: Endpoint;
  /** The transport it arrived on: responses go back on it (§18.2.2). */
  via: Transport;
  /** For TCP/TLS: the connection, so a response can reuse it. */
  connectionId?: string;
}

export interface TransportHandlers {
  onMessage(message: Received): void;
  /** A connection we opened to `remote` is gone (RFC 5626 flow failure; registration re-registers). */
  onConnectionClosed?(remote: Endpoint, connectionId: string): void;
  /**
   * Any TCP/TLS connection is gone, ours or a peer's, whatever closed it:
   * the client transactions whose request went out on it can get no
   * response there any more (RFC 3261 §18.4: a transport error).
   */
  onConnectionGone?(connectionId: string, remote: Endpoint): void;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  /** Where we listen, as bound (port 0 in config becomes the real port). */
  readonly local: Endpoint;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Sends one serialised message. On TCP/TLS a connection to `to` is reused
   * (or `connectionId`'s, for responses on the request's connection), else
   * opened; rejects when it cannot be. On TCP/TLS it resolves with the id
   * of the connection the message went out on (see onConnectionGone).
   */
  send(data: Buffer, to: Endpoint, connectionId?: string): Promise<string | void>;
  /**
   * TCP/TLS only: RFC 5626 §4.4.1 CRLF keep-alives on the flow to `remote`.
   * False when no connection to `remote` is open (nothing to keep alive).
   * An interval of 0 stops them.
   */
  keepAlive?(remote: Endpoint, intervalMs: number): boolean;
}

export class TransportError extends Error {
  override name = 'TransportError';
}
