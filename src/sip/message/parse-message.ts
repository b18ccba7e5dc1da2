/**
 * Buffer -> SipRequest | SipResponse (RFC 3261 §7, framing §18.3).
 *
 * Errors are SipParseError. When the message is a request whose headers
 * could be read, the parse result carries it beside the error (`request`),
 * so the transport can still answer 400 (see malformed.ts); otherwise the
 * message is dropped.
 */
import { SipParseError } from './errors.js';
import { findHeaderEnd, readHeaderLines, skipLeadingCrlf, type HeaderLines } from './header-block.js';
import { SipHeaders } from './headers.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';
import { parseContentLength } from './scalars.js';
import { parseStartLine } from './start-line.js';
import { validateMessage } from './validate-message.js';

/**
 * Header values a message may carry, list elements counted one by one
 * (issue 12). Max-Forwards keeps a real Via list under 70; 3,000 Vias
 * were tried by the attacker and are refused with 400.
 */
export const MAX_HEADER_VALUES = 1000;

export interface ParseOptions {
  /**
   * `datagram` (UDP, default): a missing Content-Length means the rest of
   * the datagram. `stream` (TCP, TLS): Content-Length is mandatory and the
   * buffer is one framed message (see StreamFramer).
   */
  transport?: 'datagram' | 'stream';
}

/** A message, or why it is none and the request as far as it could be read (for the 400). */
export type ParseResult = { message: SipMessage; error?: undefined; request?: undefined } | { message?: undefined; error: SipParseError; request?: SipRequest | undefined };

/** Parses without throwing a SipParseError: the result says what went wrong. */
export function readMessage(data: Buffer, opts: ParseOptions = {}): ParseResult {
  let partial: SipRequest | undefined;
  try {
    return { message: parse(data, opts, (r) => (partial = r)) };
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    return { error: e, request: partial };
  }
}

/**
 * For the stream framer, which has already split the header block to find
 * Content-Length: builds the message from those lines, so a TCP message's
 * headers are read once (issue 12). `data` is the framed message.
 */
export function readFramedMessage(data: Buffer, bodyStart: number, lines: HeaderLines): ParseResult {
  let partial: SipRequest | undefined;
  try {
    return { message: assemble(data, bodyStart, lines, true, (r) => (partial = r)) };
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    return { error: e, request: partial };
  }
}

/** Parses; throws SipParseError for what is not a valid message. */
export function parseMessage(data: Buffer, opts: ParseOptions = {}): SipMessage {
  return parse(data, opts, () => {});
}

function parse(data: Buffer, opts: ParseOptions, readSoFar: (request: SipRequest) => void): SipMessage {
  const stream = opts.transport === 'stream';
  const start = skipLeadingCrlf(data, 0);
  if (start >= data.length) throw new SipParseError('Empty message');
  const end = findHeaderEnd(data, start);
  // The empty line is mandatory even without a body (§7).
  if (!end) throw new SipParseError('Missing empty line after headers');

  return assemble(data, end.bodyStart, readHeaderLines(data.toString('utf8', start, end.end)), stream, readSoFar);
}

function assemble(data: Buffer, bodyStart: number, lines: HeaderLines, stream: boolean, readSoFar: (request: SipRequest) => void): SipMessage {
  const { startLine, fields, error } = lines;
  const first = parseStartLine(startLine);
  const headers = new SipHeaders();
  // A bounded number of header values, counted before the work: a real message has a few dozen.
  let tooMany = false;
  for (const [name, value] of fields) {
    headers.appendField(name, value, MAX_HEADER_VALUES - headers.size);
    if (headers.size > MAX_HEADER_VALUES) {
      tooMany = true;
      break;
    }
  }
  const msg: SipMessage =
    first.kind === 'request' ? new SipRequest(first.method, first.uri, headers) : new SipResponse(first.status, first.reason, headers);

  try {
    if (first.kind === 'request' && first.problem) throw first.problem;
    if (error) throw new SipParseError(error);
    if (tooMany) throw new SipParseError('Too many header fields', { detail: `more than ${MAX_HEADER_VALUES}` });
    validateMessage(msg);
    msg.body = readBody(data, bodyStart, headers, stream);
  } catch (e) {
    if (e instanceof SipParseError && msg.kind === 'request') readSoFar(msg);
    throw e;
  }
  return msg;
}

function readBody(data: Buffer, bodyStart: number, headers: SipHeaders, stream: boolean): Buffer {
  const values = headers.getAll('Content-Length');
  // RFC 4475 §3.3.9: two Content-Lengths leave the body length unknown.
  if (values.length > 1) throw new SipParseError('Multiple Content-Length headers');
  const available = data.length - bodyStart;
  const cl = values[0];
  if (cl === undefined) {
    // §18.3: required on streams; on UDP the body is the rest of the datagram (RFC 4475 §3.4.1).
    if (stream) throw new SipParseError('Missing Content-Length');
    return Buffer.from(data.subarray(bodyStart));
  }
  const length = parseContentLength(cl);
  if (length > available) {
    // §18.3: a datagram shorter than its Content-Length is rejected (RFC 4475 §3.1.2.2).
    throw new SipParseError(stream ? 'Incomplete body' : 'Content-Length larger than datagram', { detail: `${length} > ${available}` });
  }
  // Bytes past Content-Length are discarded (§18.3; RFC 4475 §3.1.1.8).
  return Buffer.from(data.subarray(bodyStart, bodyStart + length));
}
