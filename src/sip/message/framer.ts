/**
 * Cuts a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3): headers
 * up to the empty line, then exactly Content-Length body bytes, which a
 * stream message must carry. CRLFs between messages are keep-alives
 * (RFC 5626 §3.5.1): a double CRLF is a ping the transport answers with a
 * single CRLF, a lone CRLF is that pong.
 *
 * A framing error (no Content-Length, oversized headers or body, a
 * negative or unreadable length) leaves no way to find the next message,
 * so it is fatal: the transport closes the connection (RFC 4475 §3.1.2.3).
 */
import { SipParseError } from './errors.js';
import { contentLengthValues, findHeaderEnd, readHeaderLines, type HeaderEnd } from './header-block.js';
import type { SipMessage, SipRequest } from './message.js';
import { readMessage } from './parse-message.js';
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
  /** A lone CRLF: the answer to our ping. */
  | { type: 'pong' }
  /** Unrecoverable: close the connection. No further events follow. */
  | { type: 'error'; error: SipParseError };

const CR = 0x0d;
const LF = 0x0a;

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Where the header-end scan resumes, so a slow sender costs linear time. */
  private scanFrom = 0;
  /** Header end and body length of the message being collected. */
  private pending: { end: HeaderEnd; length: number } | undefined;
  /** A lone CRLF ended the last chunk; a CRLF starting the next one completes a ping. */
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
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const events: FramerEvent[] = [];
    try {
      while (this.step(events));
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      this.failed = true;
      this.buf = Buffer.alloc(0);
      events.push({ type: 'error', error: e });
    }
    return events;
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.buf.length;
  }

  /** One framing step; false when more input is needed. */
  private step(events: FramerEvent[]): boolean {
    if (!this.pending) {
      if (this.buf.length === 0) return false;
      if (this.buf[0] === CR || this.buf[0] === LF) return this.keepAlive(events);
      this.halfPing = false;
      const end = findHeaderEnd(this.buf, 0, this.scanFrom);
      if (!end) {
        if (this.buf.length > this.maxHeader) throw new SipParseError('Message headers too large', { detail: `> ${this.maxHeader} bytes` });
        // The empty line may straddle chunks: rescan the last 3 bytes.
        this.scanFrom = Math.max(0, this.buf.length - 3);
        return false;
      }
      if (end.end > this.maxHeader) throw new SipParseError('Message headers too large', { detail: `${end.end} bytes` });
      this.pending = { end, length: this.bodyLength(end) };
    }
    const { end, length } = this.pending;
    const total = end.bodyStart + length;
    if (this.buf.length < total) return false;

    const raw = Buffer.from(this.buf.subarray(0, total));
    this.buf = this.buf.subarray(total);
    this.pending = undefined;
    this.scanFrom = 0;
    const parsed = readMessage(raw, { transport: 'stream' });
    if (parsed.message) events.push({ type: 'message', message: parsed.message, raw });
    else events.push({ type: 'invalid', error: parsed.error, request: parsed.request, raw });
    return true;
  }

  private bodyLength(end: HeaderEnd): number {
    const { fields } = readHeaderLines(this.buf.toString('utf8', 0, end.end));
    const values = contentLengthValues(fields);
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
      this.buf = b.subarray(4);
      this.halfPing = false;
      events.push({ type: 'ping' });
      return true;
    }
    if (b[0] === CR && b[1] === LF) {
      // Might be half of a ping whose second CRLF is still in flight.
      if (b.length === 2 || (b.length === 3 && b[2] === CR)) {
        if (b.length === 3) return false;
        this.buf = b.subarray(2);
        if (this.halfPing) {
          this.halfPing = false;
          events.push({ type: 'ping' });
        } else {
          this.halfPing = true;
          events.push({ type: 'pong' });
        }
        return true;
      }
      this.buf = b.subarray(2);
      if (this.halfPing) {
        this.halfPing = false;
        events.push({ type: 'ping' });
      } else events.push({ type: 'pong' });
      return true;
    }
    if (b[0] === CR && b.length === 1) return false;
    // A stray CR or LF before a start-line is ignored (§7.5).
    this.buf = b.subarray(1);
    return true;
  }
}
