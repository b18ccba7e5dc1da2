/**
 * Hands requests to the dialog they belong to (RFC 3261 §12.2.2): by
 * Call-ID, To tag (ours) and From tag (theirs). A request with a To tag
 * and no dialog gets 481; one without goes to the handler for new
 * requests of its method (an incoming call, a MESSAGE). 2xx that outlive
 * their INVITE transaction reach the outgoing call by Call-ID so it can
 * re-ACK them (RFC 6026 §8.4).
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { IncomingRequest, SipStack } from '../core/sip-stack.js';
import { dialogId, type Dialog } from './dialog.js';

export interface DialogUser {
  /** A request inside the dialog (BYE, INFO, re-INVITE, UPDATE, MESSAGE…). */
  onRequest(incoming: IncomingRequest, dialog: Dialog): void;
  /** The ACK for our 2xx (incoming calls). */
  onAck?(ack: SipRequest, dialog: Dialog): void;
}

export interface StraySuccessUser {
  onStraySuccess(response: SipResponse): void;
}

const IN_DIALOG = ['BYE', 'INFO', 'INVITE', 'UPDATE', 'MESSAGE', 'PRACK', 'NOTIFY', 'REFER'];

export class DialogRouter {
  private readonly dialogs = new Map<string, { dialog: Dialog; user: DialogUser }>();
  private readonly invites = new Map<string, StraySuccessUser>();
  private readonly fresh = new Map<string, (incoming: IncomingRequest) => void>();

  constructor(private readonly stack: SipStack) {
    for (const method of IN_DIALOG) stack.handle(method, (inc) => this.route(inc));
    stack.addDelegate({
      onStraySuccess: (res) => this.invites.get(res.callId)?.onStraySuccess(res),
      onAck: (ack) => this.routeAck(ack),
    });
  }

  /** Handler for requests of `method` that start something (no To tag). */
  onNew(method: string, handler: (incoming: IncomingRequest) => void): void {
    this.fresh.set(method, handler);
  }

  add(dialog: Dialog, user: DialogUser): void {
    this.dialogs.set(dialog.id, { dialog, user });
  }

  remove(dialog: Dialog): void {
    this.dialogs.delete(dialog.id);
  }

  get size(): number {
    return this.dialogs.size;
  }

  trackInvite(callId: string, user: StraySuccessUser): void {
    this.invites.set(callId, user);
  }

  untrackInvite(callId: string): void {
    this.invites.delete(callId);
  }

  private find(req: SipRequest) {
    const local = req.to.params.get('tag');
    const remote = req.from.params.get('tag') ?? '';
    return local ? this.dialogs.get(dialogId(req.callId, local, remote)) : undefined;
  }

  private route(inc: IncomingRequest): void {
    const req = inc.request;
    if (req.to.params.has('tag')) {
      const entry = this.find(req);
      // §12.2.2: a request for a dialog we do not have.
      if (!entry) return void inc.respond(481, 'Call/Transaction Does Not Exist');
      // §12.2.2: lower CSeq than before is out of order.
      if (!entry.dialog.acceptRemoteSeq(req.cseq.seq)) return void inc.respond(500, 'Server Internal Error', { headers: [['Retry-After', '1']] });
      // §12.2.2: a target refresh request (re-INVITE; UPDATE, RFC 3311 §5.2) brings the peer's new Contact.
      if (req.method === 'INVITE' || req.method === 'UPDATE') entry.dialog.refreshTarget(req);
      return entry.user.onRequest(inc, entry.dialog);
    }
    const handler = this.fresh.get(req.method);
    if (handler) return handler(inc);
    if (req.method === 'BYE' || req.method === 'INFO' || req.method === 'UPDATE' || req.method === 'PRACK') {
      return void inc.respond(481, 'Call/Transaction Does Not Exist');
    }
    inc.respond(405, 'Method Not Allowed');
  }

  private routeAck(ack: SipRequest): void {
    const entry = this.find(ack);
    if (entry) entry.user.onAck?.(ack, entry.dialog);
  }
}
