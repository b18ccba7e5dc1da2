/**
 * A dialog (RFC 3261 §12): the state two user agents share for one call,
 * and the requests within it built as §12.2.1.1 says — Request-URI the
 * remote target, Route the route set, CSeq counting up, the tags of both.
 */
import { addrSpecOf, parseNameAddr, SipHeaders, SipRequest, type NameAddr, type SipResponse } from '../message/index.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  /** Route set, in the order requests carry it. */
  routeSet: string[];
  localSeq: number;
  remoteSeq?: number;
  /** Our Contact, repeated on target-refreshing requests. */
  localContact: string;
  state: DialogState;
}

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  remoteTarget: string;
  routeSet: string[];
  localSeq: number;
  remoteSeq: number | undefined;
  localContact: string;
  state: DialogState;

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.localContact = init.localContact;
    this.state = init.state;
  }

  get id(): string {
    return dialogId(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * §12.1.2: the UAC's view from a 18x/2xx to its request: route set is the
   * Record-Route reversed, remote target the Contact.
   */
  static fromResponse(request: SipRequest, response: SipResponse, localContact: string): Dialog {
    const remoteTag = response.to.params.get('tag') ?? '';
    const contact = response.contacts[0];
    return new Dialog({
      callId: request.callId,
      localTag: request.from.params.get('tag') ?? '',
      remoteTag,
      localUri: addrSpec(request.from),
      remoteUri: addrSpec(response.to),
      remoteTarget: contact ? addrSpec(contact) : request.uri,
      routeSet: response.headers.getAll('Record-Route').reverse(),
      localSeq: request.cseq.seq,
      localContact,
      state: response.status < 200 ? 'early' : 'confirmed',
    });
  }

  /** §12.1.1: the UAS's view from the request it answers with `localTag`. */
  static fromRequest(request: SipRequest, localTag: string, localContact: string): Dialog {
    const contact = request.contacts[0];
    return new Dialog({
      callId: request.callId,
      localTag,
      remoteTag: request.from.params.get('tag') ?? '',
      localUri: addrSpec(request.to),
      remoteUri: addrSpec(request.from),
      remoteTarget: contact ? addrSpec(contact) : addrSpec(request.from),
      routeSet: request.headers.getAll('Record-Route'),
      localSeq: Math.floor(Math.random() * 10_000) + 1,
      remoteSeq: request.cseq.seq,
      localContact,
      state: 'early',
    });
  }

  /** §12.2.1.1, loose routing only (every proxy we meet puts `;lr`). */
  createRequest(method: string, o: { headers?: Array<[string, string]>; body?: Buffer; contentType?: string; cseq?: number } = {}): SipRequest {
    const h = new SipHeaders();
    for (const r of this.routeSet) h.append('Route', r);
    h.set('From', `<${this.localUri}>;tag=${this.localTag}`);
    h.set('To', `<${this.remoteUri}>;tag=${this.remoteTag}`);
    h.set('Call-ID', this.callId);
    const seq = o.cseq ?? (method === 'ACK' || method === 'CANCEL' ? this.localSeq : ++this.localSeq);
    h.set('CSeq', `${seq} ${method}`);
    if (method === 'INVITE' || method === 'UPDATE' || method === 'ACK') h.set('Contact', `<${this.localContact}>`);
    for (const [n, v] of o.headers ?? []) h.append(n, v);
    if (o.body && o.contentType) h.set('Content-Type', o.contentType);
    return new SipRequest(method, this.remoteTarget, h, o.body);
  }

  /** Where the next request goes: the first route, or the remote target (§12.2.1.1, §8.1.2). */
  get nextHop(): string {
    const first = this.routeSet[0];
    return first ? addrSpec(parseNameAddr(first)) : this.remoteTarget;
  }

  /** §12.2.2: a target refresh request's Contact replaces the remote target (none: unchanged). */
  refreshTarget(request: SipRequest): void {
    let contact: NameAddr | undefined;
    try {
      contact = request.contacts[0];
    } catch {
      // An unreadable Contact must not cost the request its answer: keep the target we have.
      return;
    }
    if (contact) this.remoteTarget = addrSpec(contact);
  }

  /** §12.2.2: a request whose CSeq is lower than the last one is out of order (500). */
  acceptRemoteSeq(seq: number): boolean {
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }
}

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

/** The URI of a parsed name-addr as text (never read back out of header text). */
function addrSpec(na: NameAddr): string {
  return addrSpecOf(na);
}
