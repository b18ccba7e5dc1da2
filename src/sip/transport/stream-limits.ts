/**
 * What one peer may cost us over TCP/TLS (issue 12): before these, 300
 * connections each sending 1 MiB that never ended took 332 MiB in 4 s, and
 * with descriptors exhausted the control socket refused `open-door`.
 * Fixed limits, not config keys: a door station has a handful of screens
 * and one proxy, and these leave them ample room.
 */
export interface StreamLimits {
  /** Incoming connections at once, all addresses together; the least recently used makes room for a new one. */
  maxConnections: number;
  /** Incoming connections at once from one IP address; more are closed on arrival. */
  maxPerAddress: number;
  /** Largest header block of one message. */
  maxHeaderBytes: number;
  /** Largest body: an SDP is at most 64 KiB (MAX_SDP_BYTES), a MESSAGE carries a code. */
  maxBodyBytes: number;
  /** A message that has begun must end within this; a new incoming connection must bring a whole message (or keep-alive) within it. */
  messageDeadlineMs: number;
  /** TLS handshake deadline. */
  handshakeTimeoutMs: number;
  /** Responses queued to a peer that does not read them; beyond this the connection is closed. */
  maxQueuedWriteBytes: number;
}

export const STREAM_LIMITS: StreamLimits = {
  maxConnections: 64,
  maxPerAddress: 8,
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 64 * 1024,
  messageDeadlineMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxQueuedWriteBytes: 1024 * 1024,
};

/** Counts incoming connections per address and in total. */
export class AdmissionCount {
  private readonly perAddress = new Map<string, number>();
  private all = 0;

  get total(): number {
    return this.all;
  }

  from(host: string): number {
    return this.perAddress.get(host) ?? 0;
  }

  add(host: string): void {
    this.perAddress.set(host, this.from(host) + 1);
    this.all++;
  }

  remove(host: string): void {
    const n = this.from(host) - 1;
    if (n > 0) this.perAddress.set(host, n);
    else this.perAddress.delete(host);
    this.all--;
  }
}
