/**
 * The one face of the SIP layer that calls use (after sipgo's
 * dialog_ua.go and SIP.js's api/): place an INVITE, hear of new INVITEs
 * and MESSAGEs, answer, end a dialog. The request layer works out the
 * route of an INVITE once and asks the caller for the SDP with the local
 * address that route leaves from (the order of re's sipsess connect.c), so
 * Contact and c= are written once, for real. It owns the dialog router:
 * requests inside a dialog reach whoever tracks it.
 */
import type { Logger } from '../log/logger.js';
import type { DigestCredentials } from './auth/index.js';
import type { IncomingRequest, SipStack } from './core/sip-stack.js';
import { sendBye } from './dialog/bye.js';
import { Dialog } from './dialog/dialog.js';
import { DialogRouter, type DialogUser } from './dialog/dialog-router.js';
import { InviteUac, type InviteUacEvents } from './dialog/invite-uac.js';
import { SuccessRetransmitter } from './dialog/success-retransmitter.js';
import { addrSpecOf, formatIdentity, identityOfUri, userPartOf, type SipRequest } from './message/index.js';
import type { TimerValues } from './transaction/timers.js';

export type { DigestCredentials } from './auth/index.js';
export type { IncomingRequest, SipStack } from './core/sip-stack.js';
export type { Dialog } from './dialog/dialog.js';
export type { DialogUser } from './dialog/dialog-router.js';
export type { InviteUac, InviteUacEvents, InviteUacState } from './dialog/invite-uac.js';
export type { SipRequest } from './message/index.js';
export { canonicalIdentity, formatIdentity, identityMatches, parseIdentity, type SipIdentity } from './message/index.js';
export { endpointKey, type Endpoint } from './transport/endpoint.js';

export interface UserAgentDelegate {
  /** An INVITE outside any dialog: a new incoming call. */
  onInvite?(incoming: IncomingRequest): void;
  /** A MESSAGE outside any dialog. */
  onMessage?(incoming: IncomingRequest): void;
}

export interface UserAgentOptions {
  stack: SipStack;
  log: Logger;
  /** Our address of record: the From of our INVITEs; its user part is our Contact's. */
  identity: string;
  credentials?: DigestCredentials;
  timers?: Partial<TimerValues>;
}

/** Whoever answered an incoming call: the dialog's requests, its ACK, and a 2xx that never got one. */
export interface AnsweredUser extends DialogUser {
  /** §13.3.1.4: 64*T1 without the ACK for our 2xx; the dialog is to be ended with BYE. */
  onNoAck(): void;
}

/** A 2xx being resent until its ACK (§13.3.1.4). */
export interface SuccessInFlight {
  stop(): void;
}

/** The SDP we send and the response fields that go with it. */
export interface SuccessResponse {
  body: Buffer;
  contentType: string;
  headers: Array<[string, string]>;
}

export class UserAgent {
  private readonly router: DialogRouter;
  private readonly stack: SipStack;
  /** The 2xx to an INVITE we answered, resent until its ACK, by dialog id. */
  private readonly unacked = new Map<string, SuccessInFlight>();
  private readonly contactUser: string;

  constructor(
    private readonly opts: UserAgentOptions,
    delegate: UserAgentDelegate = {},
  ) {
    this.stack = opts.stack;
    this.router = new DialogRouter(opts.stack);
    if (delegate.onInvite) this.router.onNew('INVITE', (inc) => delegate.onInvite!(inc));
    if (delegate.onMessage) this.router.onNew('MESSAGE', (inc) => delegate.onMessage!(inc));
    this.contactUser = userPartOf(opts.identity) ?? 'door';
  }

  /**
   * Sends an INVITE to `target`: routes it once (outbound proxy or the
   * target), asks `offerFor` for the SDP with the address that route
   * leaves from, and starts the INVITE client. `events` gets the client it
   * reports for. Throws when the target cannot be routed or offered to.
   */
  async invite(target: string, offerFor: (localAddress: string) => string, events: (uac: InviteUac) => InviteUacEvents): Promise<InviteUac> {
    const { stack, log, identity, credentials } = this.opts;
    const route = await stack.routeOutOfDialog(target);
    const sdp = offerFor(await stack.localAddress(route.transport, route.destination.host));
    let bound: InviteUacEvents = {};
    const uac = new InviteUac(
      { stack, router: this.router, log, target, from: identity, contactUser: this.contactUser, sdp, credentials, route },
      {
        onProvisional: (res, dialog) => bound.onProvisional?.(res, dialog),
        onEarlyMedia: (dialog, body, res) => bound.onEarlyMedia?.(dialog, body, res),
        onAnswered: (dialog, res) => bound.onAnswered?.(dialog, res),
        onExtraAnswer: (res) => bound.onExtraAnswer?.(res),
        onFailed: (status, reason) => bound.onFailed?.(status, reason),
      },
    );
    bound = events(uac);
    await uac.start();
    return uac;
  }

  /** Our address as the sender of `incoming` sees it (for the c= of our answer). */
  localAddressOf(incoming: IncomingRequest): Promise<string> {
    return this.stack.localAddress(incoming.transport, incoming.source.host);
  }

  /**
   * Answers an INVITE with 200 and our SDP (RFC 3261 §13.3.1.4): Contact
   * where the caller reaches us, the dialog (§12.1.1) tracked for `user`,
   * the 2xx resent until its ACK.
   */
  async accept(incoming: IncomingRequest, sdp: string, user: AnsweredUser): Promise<Dialog> {
    const contact = await this.stack.contactUri(this.contactUser, incoming.transport, incoming.source.host);
    const response: SuccessResponse = { body: Buffer.from(sdp), contentType: 'application/sdp', headers: [['Contact', `<${contact}>`]] };
    const res = incoming.respond(200, 'OK', response);
    const dialog = Dialog.fromRequest(incoming.request, res.to.params.get('tag') ?? '', contact);
    dialog.state = 'confirmed';
    this.router.add(dialog, {
      onRequest: (inc, d) => user.onRequest(inc, d),
      onAck: (ack, d) => {
        this.unacked.get(d.id)?.stop();
        this.unacked.delete(d.id);
        user.onAck?.(ack, d);
      },
    });
    this.unacked.set(
      dialog.id,
      this.resendSuccess(incoming, response, () => {
        this.unacked.delete(dialog.id);
        user.onNoAck();
      }),
    );
    return dialog;
  }

  /**
   * A 2xx already sent to an INVITE (a re-INVITE), resent until its ACK
   * (§13.3.1.4); `onNoAck` after 64*T1 without one. Over TCP/TLS it goes once.
   */
  resendSuccess(incoming: IncomingRequest, response: SuccessResponse, onNoAck: () => void): SuccessInFlight {
    return new SuccessRetransmitter({ reliable: incoming.transport.reliable, resend: () => incoming.respond(200, 'OK', response), onNoAck, timers: this.opts.timers });
  }

  /** Requests inside `dialog` (an answered outgoing call) go to `user` from now on. */
  track(dialog: Dialog, user: DialogUser): void {
    this.router.add(dialog, user);
  }

  /** The dialog is over: no more requests for it, no more 2xx resent in it. */
  forget(dialog: Dialog): void {
    this.unacked.get(dialog.id)?.stop();
    this.unacked.delete(dialog.id);
    this.router.remove(dialog);
  }

  /** BYE in `dialog` (§15.1.1); resolves when answered or given up. */
  bye(dialog: Dialog): Promise<void> {
    return sendBye(this.stack, dialog);
  }
}

/**
 * Who sent a request: the identity (message/identity.ts) of its parsed
 * From, never a regex over the header text; a From whose URI is not SIP
 * (`tel:`) is given as its addr-spec, which no allow-list entry matches.
 */
export function senderOf(request: SipRequest): string {
  const id = identityOfUri(request.from.uri);
  return id ? formatIdentity(id) : addrSpecOf(request.from);
}
