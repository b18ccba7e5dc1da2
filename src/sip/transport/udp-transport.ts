/** SIP over UDP (RFC 3261 §18.1.1, §18.2.1): one datagram, one message. */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../../log/logger.js';
import { readMessage, SipParseError } from '../message/index.js';
import type { Endpoint } from './endpoint.js';
import { TransportError, type Received, type Transport, type TransportHandlers } from './transport.js';

/**
 * sendmsg() errors that mean "this datagram was dropped here", not "this
 * peer cannot be reached": a local firewall rule dropping it (EPERM), a full
 * queue (ENOBUFS, EAGAIN). On UDP that is packet loss like any other, and
 * loss is what Timers A and E are for (RFC 3261 §17.1.1.2, §17.1.2.2):
 * failing the transaction on it would end a call a retransmission 500 ms
 * later would have saved. Measured in reliability-network.test.ts.
 */
const DROPPED_HERE = new Set(['EPERM', 'ENOBUFS', 'EAGAIN', 'EWOULDBLOCK']);

/** Datagrams larger than any sane SIP message are dropped unread. */
const MAX_DATAGRAM = 65_535;

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private socket: Socket | undefined;
  private bound: Endpoint;

  constructor(
    listen: Endpoint,
    private readonly handlers: TransportHandlers,
    private readonly log: Logger,
  ) {
    this.bound = { ...listen };
  }

  get local(): Endpoint {
    return this.bound;
  }

  start(): Promise<void> {
    const socket = createSocket({ type: isIPv6(this.bound.host) ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket = socket;
    socket.on('message', (data, rinfo) => {
      if (data.length === 0 || data.length > MAX_DATAGRAM) return;
      // RFC 5626 §4.4.1 / RFC 3261 §7.5: a lone CRLF (keep-alive) is no message.
      if (data.every((b) => b === 0x0d || b === 0x0a)) return;
      this.handlers.onMessage({ parsed: parseDatagram(data), raw: data, source: { protocol: 'udp', host: rinfo.address, port: rinfo.port }, via: this });
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.bound.port, this.bound.host, () => {
        socket.off('error', reject);
        // ICMP errors surface here; they must not take the daemon down.
        socket.on('error', (e) => this.log.debug(`udp ${this.bound.host}:${this.bound.port}: ${e.message}`));
        this.bound = { ...this.bound, port: socket.address().port };
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  send(data: Buffer, to: Endpoint): Promise<void> {
    const s = this.socket;
    if (!s) return Promise.reject(new TransportError('UDP transport is stopped'));
    return new Promise((resolve, reject) => {
      s.send(data, to.port, to.host, (e) => {
        if (!e) return resolve();
        const code = (e as NodeJS.ErrnoException).code;
        if (code && DROPPED_HERE.has(code)) {
          this.log.debug(`udp send to ${to.host}:${to.port} dropped locally (${code}); retransmission will retry`);
          return resolve();
        }
        reject(new TransportError(`UDP send to ${to.host}:${to.port}: ${e.message}`));
      });
    });
  }
}

function parseDatagram(data: Buffer): Received['parsed'] {
  try {
    return readMessage(data);
  } catch (e) {
    // Nothing malformed may throw out of the transport (SPEC section 4).
    return { error: e instanceof SipParseError ? e : new SipParseError('Unreadable message', { detail: String(e) }) };
  }
}
