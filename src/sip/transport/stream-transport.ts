/**
 * SIP over TCP and TLS (RFC 3261 §18, RFC 5626 keep-alives): connections
 * opened on demand and reused for the same peer, responses on the
 * connection their request came on (§18.2.2), idle connections closed,
 * CRLF keep-alives on flows that carry a registration. What a peer may
 * cost is bounded (stream-limits.ts): connections in total and per
 * address, bytes and time to complete a message, responses queued unread.
 */
import { connect as netConnect, createServer as netServer, isIP, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../log/logger.js';
import { StreamFramer } from '../message/index.js';
import { SummaryLog } from '../../log/summary-log.js';
import { endpointKey, hostPort, type Endpoint } from './endpoint.js';
import { AdmissionCount, STREAM_LIMITS, type StreamLimits } from './stream-limits.js';
import { TransportError, type Transport, type TransportHandlers } from './transport.js';

export interface StreamTransportOptions {
  /** TLS only: our certificate and key (PEM) for the listener. */
  tls?: { cert?: Buffer; key?: Buffer; verify: boolean; ca?: Buffer };
  /** Close a connection unused this long (unless it carries keep-alives). */
  idleMs?: number;
  connectTimeoutMs?: number;
  /** Tests only: other limits than STREAM_LIMITS. */
  limits?: Partial<StreamLimits>;
}

interface Connection {
  id: string;
  socket: Socket;
  remote: Endpoint;
  framer: StreamFramer;
  lastUsed: number;
  /** We opened it: a flow in RFC 5626's sense (§3.1), whose loss the handlers hear of. */
  outgoing: boolean;
  keepAlive?: KeepAlive;
  /** Closes the connection when a message (or an incoming connection's first one) takes too long. */
  deadline?: NodeJS.Timeout | undefined;
  /** A whole message or keep-alive has arrived on it. */
  spoke: boolean;
}

interface KeepAlive {
  timer: NodeJS.Timeout;
  awaitingPong?: NodeJS.Timeout;
  /** The peer has answered a ping on this connection: it does RFC 5626 keep-alives. */
  answered: boolean;
}

/** RFC 5626 §4.4.1: a pong must come within 10 s of the ping. */
const PONG_TIMEOUT_MS = 10_000;
const PING = Buffer.from('\r\n\r\n');
const PONG = Buffer.from('\r\n');

let nextId = 1;

export class StreamTransport implements Transport {
  readonly reliable = true;
  private server: Server | undefined;
  private readonly byId = new Map<string, Connection>();
  private readonly byRemote = new Map<string, Connection>();
  private readonly connecting = new Map<string, Promise<Connection>>();
  private sweeper: NodeJS.Timeout | undefined;
  private bound: Endpoint;
  private readonly limits: StreamLimits;
  private readonly admitted = new AdmissionCount();
  private readonly refusals: SummaryLog;

  constructor(
    listen: Endpoint,
    private readonly handlers: TransportHandlers,
    private readonly log: Logger,
    private readonly opts: StreamTransportOptions,
  ) {
    if (listen.protocol === 'udp') throw new Error('StreamTransport is for tcp and tls');
    this.bound = { ...listen };
    this.limits = { ...STREAM_LIMITS, ...opts.limits };
    this.refusals = new SummaryLog(log, `${listen.protocol} connections closed by limits`);
  }

  get protocol(): 'tcp' | 'tls' {
    return this.bound.protocol as 'tcp' | 'tls';
  }

  get local(): Endpoint {
    return this.bound;
  }

  async start(): Promise<void> {
    let server: Server;
    if (this.protocol === 'tls') {
      const { cert, key } = this.opts.tls ?? {};
      if (!cert || !key) throw new TransportError('a tls listener needs sip.tls_cert and sip.tls_key');
      server = tlsServer({ cert, key, handshakeTimeout: this.limits.handshakeTimeoutMs }, (s) => this.adopt(s, this.remoteOf(s), false));
      // Counted at TCP accept, before the handshake: a handshake that never ends holds a slot for handshakeTimeoutMs only.
      server.on('connection', (raw: Socket) => this.admit(raw));
      server.on('tlsClientError', (e) => this.log.debug(`tls handshake: ${e.message}`));
    } else {
      server = netServer((s) => {
        if (this.admit(s)) this.adopt(s, this.remoteOf(s), false);
      });
    }
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.bound.port, this.bound.host, () => {
        server.off('error', reject);
        server.on('error', (e) => this.log.warn(`${this.protocol} listener: ${e.message}`));
        const addr = server.address();
        if (addr && typeof addr === 'object') this.bound = { ...this.bound, port: addr.port };
        resolve();
      });
    });
    const idle = this.opts.idleMs ?? 300_000;
    this.sweeper = setInterval(() => this.closeIdle(idle), Math.min(idle, 30_000));
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.refusals.dispose();
    for (const c of this.byId.values()) this.drop(c, false);
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Resolves with the id of the connection used: a client transaction fails when it goes (onConnectionGone). */
  async send(data: Buffer, to: Endpoint, connectionId?: string): Promise<string> {
    let conn = connectionId ? this.byId.get(connectionId) : undefined;
    conn ??= this.byRemote.get(endpointKey({ ...to, protocol: this.protocol }));
    conn ??= await this.open(to);
    conn.lastUsed = Date.now();
    const c = conn;
    if (c.socket.writableLength + data.length > this.limits.maxQueuedWriteBytes) {
      // A peer that sends requests and never reads the answers would have them all queued here.
      this.refusals.note(`${this.protocol} to ${hostPort(to.host, to.port)}: ${c.socket.writableLength} bytes unread; closing`);
      this.drop(c, true);
      throw new TransportError(`${this.protocol} send to ${hostPort(to.host, to.port)}: peer does not read`);
    }
    await new Promise<void>((resolve, reject) =>
      c.socket.write(data, (e) => (e ? reject(new TransportError(`${this.protocol} send to ${to.host}:${to.port}: ${e.message}`)) : resolve())),
    );
    return c.id;
  }

  /**
   * RFC 5626 §4.4.1: double-CRLF pings on the flow to `remote` every
   * `intervalMs`; no pong within 10 s closes the flow, which the handlers
   * hear as onConnectionClosed (registration then re-registers). Calling it
   * again (each registration refresh does) only changes the interval; an
   * interval of 0 stops the keep-alives and lets the flow idle out.
   */
  keepAlive(remote: Endpoint, intervalMs: number): boolean {
    const conn = this.byRemote.get(endpointKey({ ...remote, protocol: this.protocol }));
    if (!conn) return false;
    const old = conn.keepAlive;
    if (old) clearInterval(old.timer);
    if (intervalMs <= 0) {
      clearTimeout(old?.awaitingPong);
      conn.keepAlive = undefined;
      conn.lastUsed = Date.now();
      return true;
    }
    const ka: KeepAlive = { timer: setInterval(() => this.ping(conn, ka), intervalMs), awaitingPong: old?.awaitingPong, answered: old?.answered ?? false };
    ka.timer.unref();
    conn.keepAlive = ka;
    this.log.debug(`${this.protocol} flow to ${hostPort(remote.host, remote.port)}: keep-alive every ${Math.round(intervalMs / 1000)} s`);
    return true;
  }

  private ping(conn: Connection, ka: KeepAlive): void {
    if (ka.awaitingPong) return;
    this.log.trace(`keep-alive ping to ${this.protocol}:${hostPort(conn.remote.host, conn.remote.port)}`);
    conn.framer.expectPong();
    conn.socket.write(PING);
    ka.awaitingPong = setTimeout(() => {
      ka.awaitingPong = undefined;
      // §4.4.1 makes a missing pong a flow failure, but a peer that has never
      // answered a ping does not do RFC 5626 keep-alives at all: closing its
      // healthy flow every interval would only churn registrations. TCP's own
      // errors still catch that flow dying.
      if (!ka.answered) return;
      this.log.warn(`${this.protocol} flow to ${hostPort(conn.remote.host, conn.remote.port)}: no keep-alive pong within ${PONG_TIMEOUT_MS / 1000} s; closing it`);
      this.drop(conn, true);
    }, PONG_TIMEOUT_MS);
    ka.awaitingPong.unref();
  }

  get connectionCount(): number {
    return this.byId.size;
  }

  /** Bytes held for messages not yet complete, all connections together. */
  get bufferedBytes(): number {
    let n = 0;
    for (const c of this.byId.values()) n += c.framer.buffered;
    return n;
  }

  private remoteOf(s: Socket): Endpoint {
    return { protocol: this.protocol, host: s.remoteAddress?.replace(/^::ffff:/, '') ?? '', port: s.remotePort ?? 0 };
  }

  private open(to: Endpoint): Promise<Connection> {
    const key = endpointKey({ ...to, protocol: this.protocol });
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const p = new Promise<Connection>((resolve, reject) => {
      const tls = this.opts.tls;
      const socket: Socket =
        this.protocol === 'tls'
          ? tlsConnect({
              host: to.host,
              port: to.port,
              // The certificate must carry the name the URI gave (RFC 5922 §4), not the address it resolved
              // to; Node checks the certificate against servername. SNI only for names (RFC 6066 §3).
              servername: [to.name, to.host].find((h) => h !== undefined && !isIP(h)),
              rejectUnauthorized: tls?.verify ?? true,
              ca: tls?.ca,
            })
          : netConnect({ host: to.host, port: to.port });
      const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), this.opts.connectTimeoutMs ?? 10_000);
      const ready = this.protocol === 'tls' ? 'secureConnect' : 'connect';
      socket.once(ready, () => {
        clearTimeout(timer);
        resolve(this.adopt(socket, { ...to, protocol: this.protocol }, true));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new TransportError(`${this.protocol} connect to ${hostPort(to.host, to.port)}: ${connectFailure(socket, e)}`));
      });
    }).finally(() => this.connecting.delete(key));
    this.connecting.set(key, p);
    return p;
  }

  /**
   * A new incoming TCP connection: closed at once beyond maxPerAddress from
   * its address; beyond maxConnections the least recently used incoming
   * connection makes room (a flood cannot lock the proxy out for good).
   */
  private admit(raw: Socket): boolean {
    const host = this.remoteOf(raw).host;
    if (this.admitted.from(host) >= this.limits.maxPerAddress) {
      this.refusals.note(`${this.protocol} from ${host}: more than ${this.limits.maxPerAddress} connections from one address; refused`);
      raw.destroy();
      return false;
    }
    if (this.admitted.total >= this.limits.maxConnections) {
      const oldest = [...this.byId.values()].filter((c) => !c.outgoing).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!oldest) {
        this.refusals.note(`${this.protocol} from ${host}: ${this.limits.maxConnections} connections open; refused`);
        raw.destroy();
        return false;
      }
      this.refusals.note(`${this.protocol}: ${this.limits.maxConnections} connections open; closing the least recently used, from ${oldest.remote.host}`);
      this.drop(oldest, false);
    }
    this.admitted.add(host);
    raw.once('close', () => this.admitted.remove(host));
    return true;
  }

  /** Arms, or clears, the deadline for the message being received (and for an incoming connection's first). */
  private watchDeadline(conn: Connection): void {
    const waiting = conn.framer.buffered > 0 || (!conn.spoke && !conn.outgoing);
    if (!waiting) {
      clearTimeout(conn.deadline);
      conn.deadline = undefined;
      return;
    }
    if (conn.deadline) return;
    conn.deadline = setTimeout(() => {
      const { host, port } = conn.remote;
      this.refusals.note(`${this.protocol} from ${hostPort(host, port)}: no whole message within ${this.limits.messageDeadlineMs / 1000} s (${conn.framer.buffered} bytes held); closing`);
      this.drop(conn, true);
    }, this.limits.messageDeadlineMs);
    conn.deadline.unref();
  }

  private adopt(socket: Socket, remote: Endpoint, outgoing: boolean): Connection {
    const framer = new StreamFramer({ maxHeaderBytes: this.limits.maxHeaderBytes, maxBodyBytes: this.limits.maxBodyBytes });
    const conn: Connection = { id: `${this.protocol}-${nextId++}`, socket, remote, framer, lastUsed: Date.now(), outgoing, spoke: false };
    this.byId.set(conn.id, conn);
    this.byRemote.set(endpointKey(remote), conn);
    socket.setNoDelay(true);
    this.watchDeadline(conn);
    socket.on('data', (chunk: Buffer) => {
      conn.lastUsed = Date.now();
      for (const ev of conn.framer.push(chunk)) {
        if (ev.type !== 'error') conn.spoke = true;
        if (ev.type === 'ping') socket.write(PONG);
        else if (ev.type === 'pong') {
          const ka = conn.keepAlive;
          if (ka) {
            if (!ka.answered) this.log.debug(`${this.protocol} flow to ${hostPort(remote.host, remote.port)} answers keep-alives`);
            clearTimeout(ka.awaitingPong);
            ka.awaitingPong = undefined;
            ka.answered = true;
          }
        } else if (ev.type === 'message') {
          this.handlers.onMessage({ parsed: { message: ev.message }, raw: ev.raw, source: remote, via: this, connectionId: conn.id });
        } else if (ev.type === 'invalid') {
          this.handlers.onMessage({ parsed: { error: ev.error, request: ev.request }, raw: ev.raw, source: remote, via: this, connectionId: conn.id });
        } else {
          // §18.3: on a stream, a framing error leaves no way to find the next message.
          this.log.warn(`${this.protocol} from ${remote.host}:${remote.port}: ${ev.error.message}; closing`);
          this.drop(conn, true);
          return;
        }
      }
      this.watchDeadline(conn);
    });
    socket.on('error', (e) => this.log.debug(`${this.protocol} ${remote.host}:${remote.port}: ${e.message}`));
    socket.on('close', () => this.forget(conn, true));
    return conn;
  }

  private closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const c of this.byId.values()) if (!c.keepAlive && now - c.lastUsed > idleMs) this.drop(c, false);
  }

  private drop(conn: Connection, notify: boolean): void {
    this.forget(conn, notify);
    conn.socket.destroy();
  }

  private forget(conn: Connection, notify: boolean): void {
    if (!this.byId.delete(conn.id)) return;
    clearTimeout(conn.deadline);
    if (this.byRemote.get(endpointKey(conn.remote)) === conn) this.byRemote.delete(endpointKey(conn.remote));
    if (conn.keepAlive) {
      clearInterval(conn.keepAlive.timer);
      clearTimeout(conn.keepAlive.awaitingPong);
    }
    // Only our own connections are flows: a proxy's connection to our
    // listener closing (it relayed a call, then idled out) breaks no
    // registration, and reporting it would re-register for nothing.
    if (notify && conn.outgoing) this.handlers.onConnectionClosed?.(conn.remote, conn.id);
    this.handlers.onConnectionGone?.(conn.id, conn.remote);
  }
}

/**
 * Why a connect failed, in words an installer can act on. A certificate
 * that does not verify (SPEC section 4: TLS servers' certificates are
 * verified) is named as such, with OpenSSL's reason and code, e.g.
 * "server certificate rejected: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)".
 */
function connectFailure(socket: Socket, e: Error): string {
  const code = (socket as Partial<TLSSocket>).authorizationError;
  if (code === undefined) return e.message;
  return `server certificate rejected: ${e.message} (${String(code)})`;
}
