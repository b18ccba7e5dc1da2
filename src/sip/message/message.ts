/**
 * SIP requests and responses (RFC 3261 §7). Headers are kept as text;
 * the typed accessors parse on each call, so they always agree with
 * what will be sent and a malformed field throws SipParseError where it
 * is used.
 */
import { type CSeq, parseCSeq } from './cseq.js';
import { SipParseError, rethrowAs } from './errors.js';
import { SipHeaders } from './headers.js';
import { type NameAddr, parseNameAddr } from './name-addr.js';
import { parseMaxForwards } from './scalars.js';
import { parseSipUri, parseUri, type SipUri, type Uri } from './uri.js';
import { parseVia, type Via } from './via.js';

export const SIP_VERSION = 'SIP/2.0';

abstract class SipMessageBase {
  headers: SipHeaders;
  body: Buffer;

  constructor(headers?: SipHeaders, body?: Buffer) {
    this.headers = headers ?? new SipHeaders();
    this.body = body ?? Buffer.alloc(0);
  }

  private required(name: string): string {
    const v = this.headers.get(name);
    if (v === undefined) throw new SipParseError(`Missing ${name}`);
    return v;
  }

  get callId(): string {
    return this.required('Call-ID');
  }

  get cseq(): CSeq {
    const v = this.required('CSeq');
    try {
      return parseCSeq(v);
    } catch (e) {
      return rethrowAs('Bad CSeq header', e);
    }
  }

  get from(): NameAddr {
    return addr('From', this.required('From'));
  }

  get to(): NameAddr {
    return addr('To', this.required('To'));
  }

  /** All Via values, topmost first. */
  get vias(): Via[] {
    return this.headers.getAll('Via').map((v) => parseVia(v));
  }

  get topVia(): Via {
    const v = this.headers.get('Via');
    if (v === undefined) throw new SipParseError('Missing Via');
    return parseVia(v);
  }

  /** Contact values; `*` is not a name-addr and must be checked with isWildcardContact first. */
  get contacts(): NameAddr[] {
    return this.headers.getAll('Contact').map((v) => addr('Contact', v));
  }

  get recordRoutes(): NameAddr[] {
    return this.headers.getAll('Record-Route').map((v) => addr('Record-Route', v));
  }

  get routes(): NameAddr[] {
    return this.headers.getAll('Route').map((v) => addr('Route', v));
  }
}

function addr(name: string, value: string): NameAddr {
  try {
    return parseNameAddr(value);
  } catch (e) {
    return rethrowAs(`Bad ${name} header`, e);
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;

  constructor(
    public method: string,
    /** The Request-URI as text (any scheme). */
    public uri: string,
    headers?: SipHeaders,
    body?: Buffer,
  ) {
    super(headers, body);
  }

  /** The Request-URI parsed; SIP and SIPS URIs come back as SipUri. */
  get parsedUri(): Uri {
    return parseUri(this.uri);
  }

  /** The Request-URI as a SIP URI; other schemes throw with status 416 (§8.2.2.1). */
  get sipUri(): SipUri {
    if (!/^sips?:/i.test(this.uri)) throw new SipParseError('Unsupported URI Scheme', { status: 416 });
    return parseSipUri(this.uri);
  }

  /** Max-Forwards, or undefined when absent (RFC 2543 peers omit it, RFC 4475 §3.4.1). */
  get maxForwards(): number | undefined {
    const v = this.headers.get('Max-Forwards');
    return v === undefined ? undefined : parseMaxForwards(v);
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;

  constructor(
    public status: number,
    public reason: string,
    headers?: SipHeaders,
    body?: Buffer,
  ) {
    super(headers, body);
  }
}

export type SipMessage = SipRequest | SipResponse;
