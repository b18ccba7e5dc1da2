/**
 * An outgoing INVITE that may fork (RFC 3261 §13.2.2, §19.3): every 1xx
 * with a new To tag is another early dialog, each told to the user with
 * its SDP; the first 2xx is ACKed and wins; a 2xx from any other fork is
 * ACKed and sent BYE (§13.2.2.4). CANCEL waits for a provisional
 * response (§9.1) and a 200 that races it is ACKed and hung up. Reliable
 * provisionals are PRACKed (RFC 3262 §4). 401/407 are answered once per
 * challenge with digest credentials.
 */
import type { Logger } from '../../log/logger.js';
import { DigestClient, type DigestAttempt, type DigestCredentials } from '../auth/index.js';
import { buildRequest, newCallId, newFromTag, type SipRequest, type SipResponse } from '../message/index.js';
import { ALLOW, SUPPORTED, type OutgoingRequest, type Route } from '../core/core-types.js';
import type { SipStack } from '../core/sip-stack.js';
import { sendBye } from './bye.js';
import type { Endpoint } from '../transport/endpoint.js';
import { Dialog } from './dialog.js';
import type { DialogRouter } from './dialog-router.js';
import { errorMessage } from '../../log/error-message.js';

export type InviteUacState = 'calling' | 'proceeding' | 'answered' | 'failed' | 'cancelled';

export interface InviteUacEvents {
  /** Every 1xx (100 included) with the early dialog it belongs to, if it has a To tag. */
  onProvisional?(response: SipResponse, dialog: Dialog | undefined): void;
  /** The first 18x with SDP on each early dialog: where that fork wants early media. */
  onEarlyMedia?(dialog: Dialog, sdp: string, response: SipResponse): void;
  /** The first 2xx; the ACK is already on its way. Other early dialogs are over. */
  onAnswered?(dialog: Dialog, response: SipResponse): void;
  /** A 2xx from another fork after the first: already ACKed and sent BYE. */
  onExtraAnswer?(response: SipResponse): void;
  /** No answer: final status (408 for timeout, 487 after our CANCEL, 503 for transport failure) and why. */
  onFailed?(status: number, reason: string): void;
}

export interface InviteUacOptions {
  stack: SipStack;
  router: DialogRouter;
  log: Logger;
  /** Request-URI: whom we call. */
  target: string;
  /** Our address of record (From). */
  from: string;
  contactUser: string;
  sdp: string;
  credentials?: DigestCredentials;
  headers?: Array<[string, string]>;
  /** The route to `target` when the caller already worked it out (it is not worked out again). */
  route?: Route;
}

/** Early dialogs one INVITE tracks: far more screens than a house has (media goes to 16 at most, door/call/outgoing.ts). */
export const MAX_EARLY_DIALOGS = 64;

export class InviteUac {
  private _state: InviteUacState = 'calling';
  readonly callId = newCallId();
  private readonly fromTag = newFromTag();
  private cseq = 1;
  private outgoing: OutgoingRequest | undefined;
  private readonly early = new Map<string, { dialog: Dialog; sdpSeen: boolean; rseq?: number }>();
  private warnedForks = false;
  private answered: { dialog: Dialog; ack: SipRequest } | undefined;
  private cancelWanted = false;
  private cancelSent = false;
  private auth: { client: DigestClient; attempt?: DigestAttempt } | undefined;
  private contact = '';

  constructor(
    private readonly opts: InviteUacOptions,
    private readonly events: InviteUacEvents,
  ) {
    if (opts.credentials) this.auth = { client: new DigestClient({ credentials: opts.credentials }) };
  }

  get target(): string {
    return this.opts.target;
  }

  get state(): InviteUacState {
    return this._state;
  }

  /** Where the INVITE goes (the outbound proxy, or the target itself), when the route was given. */
  get destination(): Endpoint | undefined {
    return this.opts.route?.destination;
  }

  get earlyDialogs(): Dialog[] {
    return [...this.early.values()].map((e) => e.dialog);
  }

  get dialog(): Dialog | undefined {
    return this.answered?.dialog;
  }

  async start(): Promise<void> {
    this.opts.router.trackInvite(this.callId, { onStraySuccess: (r) => this.onStraySuccess(r) });
    await this.sendInvite([]);
  }

  private async sendInvite(authHeaders: ReadonlyArray<{ name: string; value: string }>): Promise<void> {
    const { stack, target, from } = this.opts;
    let routed = this.opts.route;
    if (!routed) {
      try {
        routed = await stack.routeOutOfDialog(target);
      } catch (e) {
        return this.fail(503, errorMessage(e));
      }
    }
    this.contact = await stack.contactUri(this.opts.contactUser, routed.transport, routed.destination.host);
    const req = buildRequest('INVITE', target, {
      from: `<${from}>;tag=${this.fromTag}`,
      to: `<${target}>`,
      callId: this.callId,
      cseq: this.cseq++,
      contact: `<${this.contact}>`,
      headers: [['Allow', ALLOW.join(', ')], ['Supported', SUPPORTED.join(', ')], ...(this.opts.headers ?? []), ...authHeaders.map((h): [string, string] => [h.name, h.value])],
      body: Buffer.from(this.opts.sdp),
      contentType: 'application/sdp',
    });
    try {
      this.outgoing = await stack.send(req, { onResponse: (r) => this.onResponse(r), onFailure: (f) => this.fail(f.kind === 'timeout' ? 408 : 503, f.reason) }, this.opts.route);
    } catch {
      // onFailure already reported it
    }
  }

  /** Hang up before the answer: CANCEL now, or as soon as a provisional response allows (§9.1). */
  cancel(): void {
    if (this._state === 'answered' || this._state === 'failed' || this._state === 'cancelled') return;
    this.cancelWanted = true;
    if (this._state === 'proceeding') this.sendCancel();
  }

  private sendCancel(): void {
    if (this.cancelSent || !this.outgoing) return;
    this.cancelSent = true;
    void this.opts.stack.cancel(this.outgoing, { onResponse: () => {}, onFailure: (f) => this.opts.log.debug(`CANCEL: ${f.reason}`) });
  }

  private onResponse(res: SipResponse): void {
    if (res.cseq.method !== 'INVITE') return;
    if (res.status < 200) return this.onProvisional(res);
    if (res.status < 300) return this.onSuccess(res);
    this.onFailure(res);
  }

  /**
   * A 2xx that matched no client transaction (wrong branch, or Timer M
   * over). §17.1.3 matches responses by branch and CSeq method, so while
   * our transaction waits it cannot be the answer: a forged or misrouted
   * one is dropped. Once answered or given up, a 2xx of our dialog
   * (Call-ID and our From tag, §13.2.2.4, RFC 6026 §8.4) is re-ACKed, or
   * ACKed and ended with BYE.
   */
  private onStraySuccess(res: SipResponse): void {
    let ours = false;
    try {
      ours = res.cseq.method === 'INVITE' && res.from.params.get('tag') === this.fromTag;
    } catch {
      // unreadable From or CSeq: not ours
    }
    if (!ours || (this._state !== 'answered' && this._state !== 'failed' && this._state !== 'cancelled')) {
      this.opts.log.debug(`a 2xx outside the INVITE transaction of ${this.callId} ignored (§17.1.3)`);
      return;
    }
    this.onSuccess(res);
  }

  private onProvisional(res: SipResponse): void {
    if (this._state !== 'calling' && this._state !== 'proceeding') return;
    this._state = 'proceeding';
    const tag = res.to.params.get('tag');
    let entry = tag ? this.early.get(tag) : undefined;
    if (tag && !entry && res.status > 100) {
      // Each new To tag is a fork (§12.1.2), and anyone who can answer the INVITE can invent tags: past
      // MAX_EARLY_DIALOGS the further ones are not tracked (their 18x is still told, without a dialog).
      if (this.early.size < MAX_EARLY_DIALOGS) {
        entry = { dialog: Dialog.fromResponse(this.outgoing!.request, res, this.contact), sdpSeen: false };
        this.early.set(tag, entry);
      } else if (!this.warnedForks) {
        this.warnedForks = true;
        this.opts.log.warn(`INVITE ${this.callId}: more than ${MAX_EARLY_DIALOGS} early dialogs; further forks are not tracked`);
      }
    }
    // RFC 3262 §4: a retransmitted (or out-of-order) reliable provisional is neither PRACKed nor processed again.
    if (entry && isReliable(res) && !this.prack(entry, res)) return;
    this.events.onProvisional?.(res, entry?.dialog);
    if (entry && !entry.sdpSeen && res.body.length > 0 && isSdp(res)) {
      entry.sdpSeen = true;
      this.events.onEarlyMedia?.(entry.dialog, res.body.toString('utf8'), res);
    }
    if (this.cancelWanted) this.sendCancel();
  }

  /**
   * RFC 3262 §7.2: PRACK with RAck = RSeq, CSeq number and method of the
   * INVITE. §4: per early dialog, the first reliable response sets the
   * sequence and only RSeq one higher follows; anything else is a
   * retransmission (lost PRACKs are resent by the PRACK's own transaction,
   * §17.1.2) or out of order, and is dropped. Returns whether it was new.
   */
  private prack(entry: { dialog: Dialog; rseq?: number }, res: SipResponse): boolean {
    const rseq = Number(res.headers.get('RSeq'));
    if (!Number.isInteger(rseq) || rseq < 1 || (entry.rseq !== undefined && rseq !== entry.rseq + 1)) return false;
    entry.rseq = rseq;
    const prack = entry.dialog.createRequest('PRACK', { headers: [['RAck', `${rseq} ${res.cseq.seq} INVITE`]] });
    void this.opts.stack.send(prack, { onResponse: () => {}, onFailure: (f) => this.opts.log.debug(`PRACK: ${f.reason}`) }, entry.dialog.nextHop).catch(() => {});
    return true;
  }

  private onSuccess(res: SipResponse): void {
    const tag = res.to.params.get('tag') ?? '';
    if (this.answered) {
      if (this.answered.dialog.remoteTag === tag) {
        // A retransmitted 2xx: the ACK got lost (§13.2.2.4).
        void this.opts.stack.sendAck(this.answered.ack, this.answered.dialog.nextHop).catch(() => {});
      } else {
        this.ackAndBye(res);
        this.events.onExtraAnswer?.(res);
      }
      return;
    }
    if (this._state === 'failed' || this._state === 'cancelled') return this.ackAndBye(res);
    const dialog = this.early.get(tag)?.dialog ?? Dialog.fromResponse(this.outgoing!.request, res, this.contact);
    // §12.1.2: the 2xx's Contact and Record-Route are the dialog's for good.
    const confirmed = Dialog.fromResponse(this.outgoing!.request, res, this.contact);
    dialog.remoteTarget = confirmed.remoteTarget;
    dialog.routeSet = confirmed.routeSet;
    dialog.state = 'confirmed';
    const ack = dialog.createRequest('ACK', { cseq: res.cseq.seq });
    this.answered = { dialog, ack };
    void this.opts.stack.sendAck(ack, dialog.nextHop).catch((e: unknown) => this.opts.log.warn(`ACK: ${String(e)}`));
    if (this.cancelWanted) {
      // The 200 crossed our CANCEL (or came before a provisional let us send one): the call exists, so end it properly.
      this._state = 'cancelled';
      this.bye(dialog);
      this.events.onFailed?.(487, 'Request Terminated (answered while cancelling; hung up)');
      return;
    }
    this._state = 'answered';
    for (const e of this.early.values()) if (e.dialog !== dialog) e.dialog.state = 'terminated';
    this.events.onAnswered?.(dialog, res);
  }

  private onFailure(res: SipResponse): void {
    if (this._state === 'answered' || this._state === 'failed' || this._state === 'cancelled') return;
    if ((res.status === 401 || res.status === 407) && this.auth && !this.cancelWanted) {
      this.auth.attempt ??= this.auth.client.start({ method: 'INVITE', uri: this.opts.target });
      const outcome = this.auth.attempt.challenge({ wwwAuthenticate: res.headers.getAll('WWW-Authenticate'), proxyAuthenticate: res.headers.getAll('Proxy-Authenticate') });
      if (outcome.retry) {
        this._state = 'calling';
        void this.sendInvite(outcome.headers);
        return;
      }
      return this.fail(res.status, outcome.reason);
    }
    this.fail(res.status, res.reason);
  }

  private fail(status: number, reason: string): void {
    if (this._state === 'answered' || this._state === 'failed' || this._state === 'cancelled') return;
    this._state = this.cancelSent && status === 487 ? 'cancelled' : 'failed';
    for (const e of this.early.values()) e.dialog.state = 'terminated';
    this.opts.router.untrackInvite(this.callId);
    this.events.onFailed?.(status, reason);
  }

  /** For a 2xx nobody wants: ACK it, then BYE (§13.2.2.4). */
  private ackAndBye(res: SipResponse): void {
    const d = Dialog.fromResponse(this.outgoing!.request, res, this.contact);
    void this.opts.stack.sendAck(d.createRequest('ACK', { cseq: res.cseq.seq }), d.nextHop).catch(() => {});
    this.bye(d);
  }

  /** BYE in `dialog`; resolves when answered or given up. */
  bye(dialog: Dialog): Promise<void> {
    return sendBye(this.opts.stack, dialog);
  }

  /** Forget the call once it is over (stray 2xx are no longer ours to re-ACK after Timer M). */
  dispose(): void {
    this.opts.router.untrackInvite(this.callId);
  }
}

/** RFC 3262 §3: a reliable provisional response says Require: 100rel (a 100 never is). */
function isReliable(res: SipResponse): boolean {
  return res.status > 100 && res.headers.getAll('Require').some((r) => r.split(',').some((t) => t.trim().toLowerCase() === '100rel'));
}

function isSdp(res: SipResponse): boolean {
  return (res.headers.get('Content-Type') ?? '').toLowerCase().startsWith('application/sdp');
}
