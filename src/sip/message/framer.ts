/**
 * Cuts a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3): headers
 * up to the empty line, then exactly Content-Length body bytes, which a
 * stream message must carry. CRLFs between messages are keep-alives
 * (RFC 5626 §3.5.1): a double CRLF is a ping the transport answers with a
 * single CRLF, a lone CRLF is that pong. Which one a lone CRLF is depends
 * on who is waiting: after our ping it is the pong (expectPong); otherwise
 * it may be the first half of the peer's ping, split across segments.
 *
 * Linear in the bytes received however they are chunked: the buffer grows
 * by doubling, the header-end scan resumes where it stopped, and the
 * header block is split once (the message is built from those lines).
 *
 * A framing error (no Content-Length, oversized headers or body, a
 * negative or unreadable length) leaves no way to find the next message,
 * so it is fatal: the transport closes the connection (RFC 4475 §3.1.2.3).
 */
import { SipParseError } from './errors.js';
import { contentLengthValues, findHeaderEnd, readHeaderLines, type HeaderEnd, type HeaderLines } from './header-block.js';
import type { SipMessage, SipRequest } from './message.js';
import { readFramedMessage } from './parse-message.js';
import { parseContentLength } from './scalars.js';

export interface FramerLimits {
  /** Largest header block, start-line included. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** Largest body. Default 1 MiB. */
  maxBodyBytes?: number;
}

export type FramerEvent =
  /** A whole message that parsed. */
  | { type: 'message'; message: SipMessage; raw: Buffer }
  /**
   * A whole message that did not parse; framing is intact, so the
   * connection lives on. `request` is set when a 400 can be tried.
   */
  | { type: 'invalid'; error: SipParseError; request?: SipRequest | undefined; raw: Buffer }
  /** CRLFCRLF: answer with a single CRLF (RFC 5626 §4.4.1). */
  | { type: 'ping' }
  /** A lone CRLF after our ping: the answer to it. */
  | { type: 'pong' }
  /** Unrecoverable: close the connection. No further events follow. */
  | { type: 'error'; error: SipParseError };

const CR = 0x0d;
const LF = 0x0a;

export class StreamFramer {
  /** Received bytes not yet consumed are store[start, end). */
  private store: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Where the header-end scan resumes (relative to start), so a slow sender costs linear time. */
  private scanFrom = 0;
  /** Header end, lines and body length of the message being collected. */
  private pending: { end: HeaderEnd; lines: HeaderLines; length: number } | undefined;
  /** We sent a ping and no CRLF has come back yet. */
  private awaitingPong = false;
  /** A lone CRLF nobody waited for: a second one completes the peer's ping. */
  private halfPing = false;
  private failed = false;
  private readonly maxHeader: number;
  private readonly maxBody: number;

  constructor(limits: FramerLimits = {}) {
    this.maxHeader = limits.maxHeaderBytes ?? 64 * 1024;
    this.maxBody = limits.maxBodyBytes ?? 1024 * 1024;
  }

  /** Feeds received bytes; returns what they completed, in order. */
  push(chunk: Buffer): FramerEvent[] {
    if (this.failed) return [];
    this.append(chunk);
    const events: FramerEvent[] = [];
    try {
      while (this.step(events));
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      this.failed = true;
      this.store = Buffer.alloc(0);
      this.start = this.end = 0;
      events.push({ type: 'error', error: e });
    }
    return events;
  }

  /** We just sent a ping (RFC 5626 §4.4.1): the next lone CRLF is its pong. */
  expectPong(): void {
    this.awaitingPong = true;
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  private get buf(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start !== this.end) return;
    this.start = this.end = 0;
    // An idle connection keeps no large buffer from its last big message.
    if (this.store.length > 16 * 1024) this.store = Buffer.alloc(0);
  }

  /** Appends in place when there is room, else into a buffer twice the size: amortised linear. */
  private append(chunk: Buffer): void {
    if (this.end + chunk.length <= this.store.length) {
      chunk.copy(this.store, this.end);
      this.end += chunk.length;
      return;
    }
    const held = this.end - this.start;
    const next = Buffer.allocUnsafe(Math.max(4096, 2 * (held + chunk.length)));
    this.store.copy(next, 0, this.start, this.end);
    chunk.copy(next, held);
    this.store = next;
    this.start = 0;
    this.end = held + chunk.length;
  }

  /** One framing step; false when more input is needed. */
  private step(events: FramerEvent[]): boolean {
    if (!this.pending) {
      if (this.buffered === 0) return false;
      const first = this.store[this.start];
      if (first === CR || first === LF) return this.keepAlive(events);
      this.halfPing = false;
      const buf = this.buf;
      const end = findHeaderEnd(buf, 0, this.scanFrom);
      if (!end) {
        if (buf.length > this.maxHeader) throw new SipParseError('Message headers too large', { detail: `> ${this.maxHeader} bytes` });
        // The empty line may straddle chunks: rescan the last 3 bytes.
        this.scanFrom = Math.max(0, buf.length - 3);
        return false;
      }
      if (end.end > this.maxHeader) throw new SipParseError('Message headers too large', { detail: `${end.end} bytes` });
      const lines = readHeaderLines(buf.toString('utf8', 0, end.end));
      this.pending = { end, lines, length: this.bodyLength(lines) };
    }
    const { end, lines, length } = this.pending;
    const total = end.bodyStart + length;
    if (this.buffered < total) return false;

    const raw = Buffer.from(this.store.subarray(this.start, this.start + total));
    this.consume(total);
    this.pending = undefined;
    this.scanFrom = 0;
    const parsed = readFramedMessage(raw, end.bodyStart, lines);
    if (parsed.message) events.push({ type: 'message', message: parsed.message, raw });
    else events.push({ type: 'invalid', error: parsed.error, request: parsed.request, raw });
    return true;
  }

  private bodyLength(lines: HeaderLines): number {
    const values = contentLengthValues(lines.fields);
    // §18.3: "All stream-oriented transports MUST use Content-Length".
    if (values.length === 0) throw new SipParseError('Missing Content-Length');
    if (values.length > 1) throw new SipParseError('Multiple Content-Length headers');
    const length = parseContentLength(values[0] as string);
    if (length > this.maxBody) throw new SipParseError('Message body too large', { detail: `${length} > ${this.maxBody} bytes` });
    return length;
  }

  /** Consumes CR/LF bytes between messages and reports pings and pongs. */
  private keepAlive(events: FramerEvent[]): boolean {
    const b = this.buf;
    if (b[0] === CR && b[1] === LF && b[2] === CR && b[3] === LF) {
      this.consume(4);
      this.halfPing = false;
      events.push({ type: 'ping' });
      return true;
    }
    if (b[0] === CR && b[1] === LF) {
      // CRLF CR: wait for the byte that says whether this is a ping.
      if (b.length === 3 && b[2] === CR) return false;
      this.consume(2);
      this.loneCrlf(events);
      return true;
    }
    if (b[0] === CR && b.length === 1) return false;
    // A stray CR or LF before a start-line is ignored (§7.5).
    this.consume(1);
    return true;
  }

  /**
   * RFC 5626 §4.4.1: a lone CRLF after our ping is the pong. Taking every
   * other one for half a ping (as this once did) left the flow's pongs
   * unanswered every second round and the flow was dropped (issue 12).
   */
  private loneCrlf(events: FramerEvent[]): void {
    if (this.awaitingPong) {
      this.awaitingPong = false;
      this.halfPing = false;
      events.push({ type: 'pong' });
    } else if (this.halfPing) {
      this.halfPing = false;
      events.push({ type: 'ping' });
    } else this.halfPing = true;
  }
}
