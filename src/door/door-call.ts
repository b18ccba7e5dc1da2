/**
 * One call of the door station: outgoing (a press or `call URI`) to one or
 * more targets, or incoming from a screen looking at the door. Outgoing:
 * every early dialog of every target gets the camera as early media at
 * once; the first answer gets video and two-way audio, every other fork
 * loses its media at once and is cancelled (SPEC section 4).
 */
import type { CallConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { MediaEngine } from '../media/types.js';
import { answerOffer, planFromAnswer } from '../sdp/negotiate.js';
import { buildOffer } from '../sdp/offer.js';
import { SrtpRequiredError, type LocalMedia, type MediaPlan, type StreamPlan } from '../sdp/types.js';
import type { IncomingRequest, SipStack } from '../sip/core/sip-stack.js';
import { Dialog } from '../sip/dialog/dialog.js';
import type { SipRequest } from '../sip/message/index.js';
import type { DialogRouter, DialogUser } from '../sip/dialog/dialog-router.js';
import { InviteClient } from '../sip/dialog/invite-client.js';
import type { DigestCredentials } from '../sip/auth/index.js';
import { endpointKey, type Endpoint } from '../sip/transport/endpoint.js';
import { buildRequest } from '../sip/message/index.js';
import { SuccessRetransmitter } from '../sip/dialog/success-retransmitter.js';
import { CallState, OUTGOING_RANK, type CallStateName } from './call-state.js';
import { codeFromMessage, digitFromInfo } from './dtmf-info.js';
import { localMedia, newSdesKey, newSessionId } from './local-media.js';
import { videoDestination } from './video-destination.js';
import { errorMessage } from '../log/error-message.js';

export interface DoorCallContext {
  stack: SipStack;
  router: DialogRouter;
  media: MediaEngine;
  log: Logger;
  call: CallConfig;
  identity: string;
  srtp: LocalMedia['srtp'];
  credentials?: DigestCredentials;
  /** State changes, for events and the LED. */
  onState(call: DoorCall, state: CallStateName): void;
  /** A DTMF digit (INFO) or whole code (MESSAGE) in this call, for the door opener. */
  onDigit(call: DoorCall, digit: string, method: 'info'): void;
  onCode(call: DoorCall, code: string, method: 'message'): boolean;
  /** A peer refused because it would not do SRTP and media.srtp is "mandatory" (a fork, an answer, an incoming call). */
  onSrtpRefused?(call: DoorCall, peer: string, reason: string): void;
  /**
   * Nothing answered an INVITE sent to these next hops, not even 100
   * Trying: over UDP the only sign that the proxy is gone, which the
   * registration may want to know (its binding there may be gone too).
   */
  onUnreachable?(hops: Endpoint[]): void;
}

interface Fork {
  key: string;
  /** The outgoing INVITE it answered; none for an incoming call. */
  client?: InviteClient;
  dialog: Dialog;
  plan?: MediaPlan;
}

export class DoorCall {
  state: CallStateName = CallState.OutgoingInit;
  readonly startedAt = Date.now();
  connectedAt: number | undefined;
  endReason: string | undefined;
  private readonly forks = new Map<string, Fork>();
  private clients: InviteClient[] = [];
  /** Where each target's INVITE went (the outbound proxy, or the target itself), for error messages. */
  private readonly hops = new Map<string, Endpoint>();
  private pendingTargets: string[] = [];
  private answered: { dialog: Dialog; plan: MediaPlan; client?: InviteClient } | undefined;
  private ringTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private hangingUp = false;
  private local: LocalMedia | undefined;
  private readonly sessionId = newSessionId();
  /** Our SDES key for audio in this call: the same in every fork's offer, a new one per call. */
  private readonly audioKey = newSdesKey();
  /** Early dialogs (client + To-tag) refused for lack of SRTP: no media, and a 200 from one is hung up. */
  private readonly refused = new Set<string>();
  private sdpVersion = 1;
  private forkSeq = 0;
  private incoming: { inc: IncomingRequest; retransmit?: NodeJS.Timeout } | undefined;
  /** The audio we send and receive now (JSON of its TalkParams), if any. */
  private talking: string | undefined;
  /** Our 2xx to a re-INVITE, resent until its ACK; `offer` when that 2xx carried our offer (answer due in the ACK). */
  private reinvite: { cseq: number; retransmit: SuccessRetransmitter; offer?: LocalMedia } | undefined;

  private constructor(
    readonly id: number,
    readonly direction: 'out' | 'in',
    /** Whom we call, or who called. */
    readonly remote: string,
    private readonly ctx: DoorCallContext,
    private readonly earlyMedia: CallConfig['early_media'],
  ) {}

  get ended(): boolean {
    return this.state === CallState.End || this.state === CallState.Error || this.state === CallState.Released;
  }

  get earlyForks(): number {
    return this.answered ? 1 : this.forks.size;
  }

  /** The peer a code must come from: the one who answered (or called). */
  get peer(): string | undefined {
    return this.answered?.dialog.remoteUri ?? (this.direction === 'in' ? this.remote : undefined);
  }

  get destinations(): string[] {
    return [...this.forks.values()].flatMap((f) => (f.plan?.video ? [`${f.plan.video.address}:${f.plan.video.port}`] : []));
  }

  static outgoing(id: number, targets: string[], ctx: DoorCallContext, earlyMedia: CallConfig['early_media']): DoorCall {
    const call = new DoorCall(id, 'out', targets.join(', '), ctx, earlyMedia);
    call.ctx.onState(call, CallState.OutgoingInit);
    if (ctx.call.mode === 'sequential') {
      call.pendingTargets = targets.slice(1);
      void call.dial([targets[0]!]);
    } else void call.dial(targets);
    return call;
  }

  private setState(state: CallStateName): void {
    if (this.state === state || this.state === CallState.Released) return;
    // Forks report out of order: an outgoing call only moves forward.
    const from = OUTGOING_RANK[this.state];
    const to = OUTGOING_RANK[state];
    if (from !== undefined && to !== undefined && to < from) return;
    this.state = state;
    this.ctx.onState(this, state);
  }

  private async dial(targets: string[]): Promise<void> {
    const { stack, log } = this.ctx;
    clearTimeout(this.ringTimer);
    this.ringTimer = setTimeout(() => this.ringTimeout(), this.ctx.call.ring_timeout * 1000);
    for (const target of targets) {
      let offer: string;
      try {
        const routed = await stack.route(buildRequest('INVITE', target, { from: '<x>', to: '<x>', cseq: 1 }));
        this.hops.set(target, routed.destination);
        const address = await stack.localAddress(routed.transport, routed.destination.host);
        this.local = localMedia(this.ctx.media.capabilities(), address, this.ctx.srtp, this.sessionId, this.sdpVersion, this.audioKey);
        offer = buildOffer(this.local);
      } catch (e) {
        log.warn(`call ${this.id}: cannot call ${target}: ${errorMessage(e)}`);
        this.endReason = errorMessage(e);
        continue;
      }
      const client: InviteClient = new InviteClient(
        { stack, router: this.ctx.router, log, target, from: this.ctx.identity, contactUser: userOf(this.ctx.identity), sdp: offer, credentials: this.ctx.credentials },
        {
          onProvisional: (res) => {
            if (res.status === 100) this.setState(CallState.OutgoingProgress);
            // An 18x with SDP is early media (onEarlyMedia), not plain ringing (LINPHONE-DAEMON.md §7).
            else if (res.body.length === 0) this.setState(CallState.OutgoingRinging);
          },
          onEarlyMedia: (dialog, sdp) => this.onEarlyMedia(client, dialog, sdp),
          onAnswered: (dialog, res) => this.onAnswered(client, dialog, res.body.length ? res.body.toString('utf8') : undefined),
          onExtraAnswer: () => log.info(`call ${this.id}: a second fork answered; hung up on it`),
          onFailed: (status, reason) => this.onClientFailed(client, status, reason),
        },
      );
      this.clients.push(client);
      log.info(`call ${this.id}: INVITE ${target}`);
      await client.start();
      if (!this.answered && client.state === 'calling') this.setState(CallState.OutgoingProgress);
    }
    if (this.clients.every((c) => c.state === 'failed' || c.state === 'cancelled')) this.onClientFailed(undefined, 503, this.endReason ?? 'no target could be called');
  }

  private onEarlyMedia(client: InviteClient, dialog: Dialog, sdp: string): void {
    if (this.answered || this.hangingUp || !this.local) return;
    let plan: MediaPlan;
    try {
      plan = planFromAnswer(sdp, this.local);
    } catch (e) {
      if (e instanceof SrtpRequiredError) {
        // That screen gets nothing from us; if it answers, it is hung up (onAnswered). Others ring on.
        this.refused.add(forkId(client, dialog));
        this.srtpRefused(dialog.remoteUri, `early media refused: ${e.message}`);
        return;
      }
      this.ctx.log.warn(`call ${this.id}: early SDP from ${dialog.remoteUri} unusable: ${errorMessage(e)}`);
      return;
    }
    const key = `${this.id}:${++this.forkSeq}`;
    this.forks.set(key, { key, client, dialog, plan });
    this.setState(CallState.OutgoingEarlyMedia);
    if (this.earlyMedia === 'none') return;
    if (plan.video?.send) {
      this.ctx.media.addVideoDestination(key, videoDestination(plan.video));
      this.ctx.log.info(`call ${this.id}: early ${plan.video.srtp ? 'SRTP ' : ''}video to ${dialog.remoteUri} at ${plan.video.address}:${plan.video.port} (fork ${this.forks.size})`);
    } else if (!plan.video) {
      // Say so: a screen that stays black is otherwise a mystery to whoever installs it.
      this.ctx.log.warn(`call ${this.id}: no video to ${dialog.remoteUri}: its SDP has no usable video stream`);
    }
    // Audio can go to one screen only before the answer: the first that offers it.
    if (this.earlyMedia === 'audio+video' && plan.audio?.send && this.forks.size === 1) this.startTalk(plan);
  }

  private onAnswered(client: InviteClient, dialog: Dialog, sdp: string | undefined): void {
    if (this.answered || this.hangingUp) {
      void client.bye(dialog);
      return;
    }
    const fork = [...this.forks.values()].find((f) => f.dialog.remoteTag === dialog.remoteTag && f.client === client);
    let plan = fork?.plan;
    try {
      if (sdp && this.local) plan = planFromAnswer(sdp, this.local);
      else if (this.refused.has(forkId(client, dialog))) throw new SrtpRequiredError('its early SDP had no usable SRTP key, and media.srtp is "mandatory"');
    } catch (e) {
      if (e instanceof SrtpRequiredError) return this.refuseAnswer(client, dialog, e.message);
      this.ctx.log.warn(`call ${this.id}: answer SDP unusable: ${errorMessage(e)}`);
    }
    clearTimeout(this.ringTimer);
    this.answered = { dialog, plan: plan ?? {}, client };
    // Every other fork stops seeing the door now, not when its CANCEL lands.
    for (const f of this.forks.values()) if (f !== fork) this.ctx.media.removeVideoDestination(f.key);
    for (const c of this.clients) if (c !== client) c.cancel();
    this.pendingTargets = [];
    const key = fork?.key ?? `${this.id}:answer`;
    for (const k of [...this.forks.keys()]) if (k !== key) this.forks.delete(k);
    if (plan?.video?.send) {
      this.ctx.media.addVideoDestination(key, videoDestination(plan.video));
      if (!fork) this.forks.set(key, { key, client, dialog, plan });
    }
    if (plan) this.startTalk(plan);
    this.ctx.router.add(dialog, this.dialogUser());
    this.connectedAt = Date.now();
    this.ctx.log.info(`call ${this.id}: answered by ${dialog.remoteUri} (contact ${dialog.remoteTarget})`);
    this.setState(CallState.Connected);
    this.setState(CallState.StreamsRunning);
    this.armMaxDuration();
  }

  /** `[call] max_duration` (SPEC section 4): BYE when it elapses, whoever placed the call. */
  private armMaxDuration(): void {
    const seconds = this.ctx.call.max_duration;
    this.maxTimer = setTimeout(() => {
      if (this.ended) return;
      this.ctx.log.info(`call ${this.id}: max_duration (${seconds} s) reached; hanging up`);
      this.endReason = `max_duration (${seconds} s) reached`;
      void this.hangup();
    }, seconds * 1000);
  }

  private startTalk(plan: MediaPlan): void {
    const a = plan.audio;
    if (!a || !a.send && !a.recv) return;
    const codec = a.codec.name.toLowerCase() === 'opus' ? 'opus' : a.codec.name.toUpperCase() === 'PCMA' ? 'PCMA' : 'PCMU';
    const params = {
      address: a.address,
      port: a.port,
      codec,
      payloadType: a.codec.payloadType,
      dtmf: a.dtmf ? { payloadType: a.dtmf.payloadType, clockRate: a.dtmf.clockRate } : undefined,
      srtp: a.srtp ? { local: a.srtp.local.key, remote: a.srtp.remote.key } : undefined,
    } as const;
    const key = JSON.stringify(params);
    if (key === this.talking) return;
    this.talking = key;
    this.ctx.media.startTalk(params);
  }

  private stopTalk(): void {
    this.talking = undefined;
    this.ctx.media.stopTalk();
  }

  /** Log line and event for a peer refused for lack of SRTP (media.srtp = "mandatory", SPEC §4). */
  private srtpRefused(peer: string, reason: string): void {
    this.ctx.log.warn(`call ${this.id}: ${peer} refused: ${reason}`);
    this.ctx.onSrtpRefused?.(this, peer, reason);
  }

  /**
   * A 200 without SRTP keys under "mandatory": no media goes to it, it is
   * ACKed (already, by the INVITE client) and sent BYE. A 2xx ends the
   * INVITE for every other fork of that client (a forking proxy cancels
   * them), so the call goes on only if another target is still ringing.
   */
  private refuseAnswer(client: InviteClient, dialog: Dialog, reason: string): void {
    this.srtpRefused(dialog.remoteUri, `answer refused, hanging up: ${reason}`);
    void client.bye(dialog);
    for (const f of [...this.forks.values()]) {
      if (f.client !== client) continue;
      this.ctx.media.removeVideoDestination(f.key);
      this.forks.delete(f.key);
    }
    this.endReason = `488 SRTP required: ${reason}`;
    if (this.clients.some((c) => c !== client && (c.state === 'calling' || c.state === 'proceeding'))) return;
    if (this.pendingTargets.length > 0 && !this.hangingUp) {
      void this.dial([this.pendingTargets.shift()!]);
      return;
    }
    this.finish(CallState.Error);
  }

  private onClientFailed(client: InviteClient | undefined, status: number, reason: string): void {
    if (client) {
      for (const f of [...this.forks.values()]) {
        if (f.client !== client) continue;
        this.ctx.media.removeVideoDestination(f.key);
        this.forks.delete(f.key);
      }
      client.dispose();
      this.ctx.log.info(`call ${this.id}: ${client.target} ended: ${status} ${reason}`);
    }
    if (this.answered || this.ended) return;
    if (this.clients.some((c) => c.state === 'calling' || c.state === 'proceeding')) return;
    if (this.pendingTargets.length > 0 && !this.hangingUp) {
      void this.dial([this.pendingTargets.shift()!]);
      return;
    }
    this.endReason = `${status} ${reason}`;
    this.finish(this.hangingUp || status === 487 ? CallState.End : CallState.Error);
  }

  private ringTimeout(): void {
    if (this.answered || this.ended) return;
    // Nothing answered at all, not even 100 Trying (RFC 3261 §17.1.1.2, still "Calling"): the proxy or
    // screens are unreachable, which a user must not read as "nobody came to the screen".
    const silent = this.clients.filter((c) => c.state === 'calling').map((c) => c.target);
    const heard = this.clients.some((c) => c.state !== 'calling');
    const unreachable = silent.length > 0 && !heard;
    const hops = [...new Map(silent.flatMap((t) => (this.hops.has(t) ? [this.hops.get(t)!] : [])).map((h) => [endpointKey(h), h])).values()];
    const via = hops.length ? ` (sent to ${hops.map(endpointKey).join(', ')})` : '';
    const reason = unreachable ? `no response from ${silent.join(', ')}${via} within ${this.ctx.call.ring_timeout} s: unreachable` : `no answer within ${this.ctx.call.ring_timeout} s`;
    if (unreachable) this.ctx.onUnreachable?.(hops);
    this.ctx.log.info(`call ${this.id}: ${reason}`);
    for (const c of this.clients) c.cancel();
    const next = this.pendingTargets.shift();
    if (next) {
      void this.dial([next]);
      return;
    }
    this.hangingUp = true;
    this.endReason = reason;
    this.finish(unreachable ? CallState.Error : CallState.End);
  }

  /** `terminate`: CANCEL before the answer, BYE after. */
  async hangup(): Promise<void> {
    if (this.ended) return;
    this.hangingUp = true;
    this.pendingTargets = [];
    if (this.incoming && !this.answered) {
      this.incoming.inc.respond(486, 'Busy Here');
      this.finish(CallState.End);
      return;
    }
    if (this.answered) {
      const { dialog, client } = this.answered;
      this.teardownMedia();
      this.finish(CallState.End);
      if (client) await client.bye(dialog);
      else await this.byeIncoming(dialog);
      return;
    }
    // The call is over for the user now; each CANCEL still ends in its 487 (or a 200 that is ACKed and hung up).
    for (const c of this.clients) c.cancel();
    this.endReason = 'terminated';
    this.finish(CallState.End);
  }

  private byeIncoming(dialog: Dialog): Promise<void> {
    dialog.state = 'terminated';
    return new Promise((resolve) => {
      this.ctx.stack.send(dialog.createRequest('BYE'), { onResponse: (r) => r.status >= 200 && resolve(), onFailure: () => resolve() }, dialog.nextHop).catch(() => resolve());
    });
  }

  private teardownMedia(): void {
    for (const f of this.forks.values()) this.ctx.media.removeVideoDestination(f.key);
    this.forks.clear();
    if (this.answered?.plan.audio || this.earlyMedia === 'audio+video' || this.talking) this.stopTalk();
  }

  private finish(state: typeof CallState.End | typeof CallState.Error): void {
    if (this.ended) return;
    clearTimeout(this.ringTimer);
    clearTimeout(this.maxTimer);
    clearTimeout(this.incoming?.retransmit);
    this.reinvite?.retransmit.stop();
    this.teardownMedia();
    if (this.answered) this.ctx.router.remove(this.answered.dialog);
    for (const c of this.clients) c.dispose();
    this.setState(state);
    this.setState(CallState.Released);
  }

  // ---- incoming calls -------------------------------------------------------

  static incomingCall(id: number, inc: IncomingRequest, ctx: DoorCallContext, autoAnswer: boolean): DoorCall {
    const call = new DoorCall(id, 'in', inc.request.from.uri ? addr(inc.request.headers.get('From')!) : '', ctx, 'none');
    call.incoming = { inc };
    call.state = CallState.IncomingReceived;
    ctx.onState(call, CallState.IncomingReceived);
    inc.onCancel(() => {
      inc.respond(487, 'Request Terminated');
      call.endReason = 'cancelled by caller';
      call.finish(CallState.End);
    });
    if (autoAnswer) void call.accept();
    else inc.respond(180, 'Ringing');
    return call;
  }

  /** Answers an incoming call: video sendonly and two-way audio (SPEC section 4). */
  async accept(): Promise<boolean> {
    const inc = this.incoming?.inc;
    if (!inc || this.answered || this.ended) return false;
    const { stack, media, log } = this.ctx;
    const address = await stack.localAddress(inc.transport, inc.source.host);
    this.local = localMedia(media.capabilities(), address, this.ctx.srtp, this.sessionId, this.sdpVersion, this.audioKey);
    let answer: { sdp: string; plan: MediaPlan };
    try {
      if (inc.request.body.length === 0) throw new Error('an INVITE without SDP offer is not supported');
      answer = answerOffer(inc.request.body.toString('utf8'), this.local);
    } catch (e) {
      inc.respond(488, 'Not Acceptable Here');
      if (e instanceof SrtpRequiredError) this.srtpRefused(this.remote, `call refused with 488: ${e.message}`);
      this.endReason = errorMessage(e);
      this.finish(CallState.Error);
      return false;
    }
    const contact = await stack.contactUri(userOf(this.ctx.identity), inc.transport, inc.source.host);
    const res = inc.respond(200, 'OK', { body: Buffer.from(answer.sdp), contentType: 'application/sdp', headers: [['Contact', `<${contact}>`]] });
    const dialog = Dialog.fromRequest(inc.request, res.to.params.get('tag') ?? '', contact);
    dialog.state = 'confirmed';
    this.answered = { dialog, plan: answer.plan };
    this.ctx.router.add(dialog, this.dialogUser());
    // §13.3.1.4: the UAS resends its 2xx until the ACK comes, giving up (and hanging up) after 64*T1.
    let interval = 500;
    const started = Date.now();
    const resend = () => {
      if (this.ended || !this.incoming) return;
      if (Date.now() - started >= 32_000) {
        log.warn(`call ${this.id}: no ACK for our 200; hanging up`);
        void this.hangup();
        return;
      }
      inc.respond(200, 'OK', { body: Buffer.from(answer.sdp), contentType: 'application/sdp', headers: [['Contact', `<${contact}>`]] });
      interval = Math.min(interval * 2, 4000);
      this.incoming.retransmit = setTimeout(resend, interval);
    };
    if (!inc.transport.reliable) this.incoming!.retransmit = setTimeout(resend, interval);
    const plan = answer.plan;
    if (plan.video?.send) media.addVideoDestination(`${this.id}:in`, videoDestination(plan.video));
    if (plan.video?.send) this.forks.set(`${this.id}:in`, { key: `${this.id}:in`, dialog, plan });
    this.startTalk(plan);
    this.connectedAt = Date.now();
    log.info(`call ${this.id}: answered the call from ${this.remote}`);
    this.setState(CallState.Connected);
    this.setState(CallState.StreamsRunning);
    this.armMaxDuration();
    return true;
  }

  // ---- within the dialog ----------------------------------------------------

  private dialogUser(): DialogUser {
    return {
      onAck: (ack) => {
        clearTimeout(this.incoming?.retransmit);
        this.onReinviteAck(ack);
      },
      onRequest: (inc, dialog) => this.inDialog(inc, dialog),
    };
  }

  private inDialog(inc: IncomingRequest, dialog: Dialog): void {
    const req = inc.request;
    switch (req.method) {
      case 'BYE':
        inc.respond(200, 'OK');
        this.ctx.log.info(`call ${this.id}: ${this.peer ?? 'peer'} hung up`);
        this.endReason = 'hung up by peer';
        this.finish(CallState.End);
        return;
      case 'INFO': {
        const digit = digitFromInfo(req.headers.get('Content-Type'), req.body.toString('utf8'));
        inc.respond(200, 'OK');
        if (digit) this.ctx.onDigit(this, digit, 'info');
        return;
      }
      case 'MESSAGE': {
        const code = codeFromMessage(req.headers.get('Content-Type'), req.body.toString('utf8'));
        if (code === undefined) return void inc.respond(415, 'Unsupported Media Type', { headers: [['Accept', 'text/plain']] });
        const opened = this.ctx.onCode(this, code, 'message');
        inc.respond(opened ? 200 : 403, opened ? 'OK' : 'Forbidden');
        return;
      }
      case 'INVITE':
      case 'UPDATE':
        return this.reoffer(inc, dialog);
      default:
        inc.respond(405, 'Method Not Allowed');
    }
  }

  /**
   * re-INVITE / UPDATE in the answered call (hold, resume, codec change),
   * RFC 3264 §8 and RFC 3311 §5.2: an offer gets our answer and the media
   * follow it; a re-INVITE without one gets our offer in the 200 and its
   * answer comes in the ACK (RFC 3261 §14.2). Every SDP we send keeps the
   * o= session id and counts the version up by one (RFC 3264 §8).
   */
  private reoffer(inc: IncomingRequest, dialog: Dialog): void {
    const req = inc.request;
    // §13.3.1.4 and RFC 3311 §5.2: the 2xx to a target refresh carries our Contact.
    const contact: Array<[string, string]> = [['Contact', `<${dialog.localContact}>`]];
    if (!this.local || !this.answered) return void inc.respond(500, 'Server Internal Error', { headers: [['Retry-After', '1']] });
    // RFC 3311 §5.2, RFC 3261 §14.2: no new offer while ours (in a 200, answer due in the ACK) is outstanding.
    if (this.reinvite?.offer && req.body.length > 0) return void inc.respond(491, 'Request Pending');
    if (req.method === 'INVITE') {
      // A new re-INVITE means the screen sent the ACK for the last one, even if we missed it.
      this.reinvite?.retransmit.stop();
      this.reinvite = undefined;
    }
    if (req.body.length === 0) {
      // An UPDATE without SDP changes nothing of the session (RFC 3311 §5.2; session-timer refreshes).
      if (req.method === 'UPDATE') return void inc.respond(200, 'OK', { headers: contact });
      const offer: LocalMedia = { ...this.local, sessionVersion: this.sdpVersion + 1 };
      this.sdpVersion++;
      const body = Buffer.from(buildOffer(offer));
      this.respondToReinvite(inc, { body, contentType: 'application/sdp', headers: contact }, offer);
      return;
    }
    let answer: { sdp: string; plan: MediaPlan };
    try {
      answer = answerOffer(req.body.toString('utf8'), { ...this.local, sessionVersion: this.sdpVersion + 1 });
    } catch (e) {
      // RFC 3261 §14.2: a refused offer leaves the session as it was (and our SDP version unused).
      this.ctx.log.warn(`call ${this.id}: ${req.method} offer refused: ${errorMessage(e)}`);
      return void inc.respond(488, 'Not Acceptable Here');
    }
    this.sdpVersion++;
    const response = { body: Buffer.from(answer.sdp), contentType: 'application/sdp', headers: contact };
    if (req.method === 'INVITE') this.respondToReinvite(inc, response);
    else inc.respond(200, 'OK', response);
    this.follow(answer.plan, req.method);
  }

  /** 200 to a re-INVITE, resent until the ACK (§13.3.1.4); no ACK in 64*T1 ends the call with BYE. */
  private respondToReinvite(inc: IncomingRequest, response: { body: Buffer; contentType: string; headers: Array<[string, string]> }, offer?: LocalMedia): void {
    inc.respond(200, 'OK', response);
    const retransmit = new SuccessRetransmitter({
      reliable: inc.transport.reliable,
      resend: () => inc.respond(200, 'OK', response),
      onNoAck: () => {
        this.reinvite = undefined;
        this.ctx.log.warn(`call ${this.id}: no ACK for our 200 to the re-INVITE; hanging up`);
        this.endReason = 'no ACK for the 200 to a re-INVITE';
        void this.hangup();
      },
    });
    this.reinvite = { cseq: inc.request.cseq.seq, retransmit, offer };
  }

  /** The ACK for our 200 to a re-INVITE; it carries the answer when that 200 carried our offer. */
  private onReinviteAck(ack: SipRequest): void {
    const pending = this.reinvite;
    if (!pending || ack.cseq.seq !== pending.cseq) return;
    pending.retransmit.stop();
    this.reinvite = undefined;
    if (!pending.offer) return;
    if (ack.body.length === 0) {
      // RFC 3261 §13.3.1.4 wants an answer here; keep the media as they were rather than drop the call.
      this.ctx.log.warn(`call ${this.id}: the ACK carried no answer to our offer; media unchanged`);
      return;
    }
    try {
      this.follow(planFromAnswer(ack.body.toString('utf8'), pending.offer), 'ACK');
    } catch (e) {
      this.ctx.log.warn(`call ${this.id}: answer in the ACK unusable, media unchanged: ${errorMessage(e)}`);
    }
  }

  /**
   * The media follow the newly agreed directions: we send audio and video
   * only where the screen said it receives them (RFC 3264 §6.1: a peer
   * that says sendonly or inactive gets nothing). Audio is one two-way
   * stream, so a screen that stops receiving it (hold) stops the talk:
   * the door has no use for hold music. Held = the screen takes no audio
   * from us (or, without audio, no video).
   */
  private follow(plan: MediaPlan, why: string): void {
    if (!this.answered) return;
    this.answered.plan = plan;
    const key = [...this.forks.keys()][0] ?? `${this.id}:answer`;
    const v = plan.video;
    if (v?.send) {
      // Same id = update; the screen gets a key frame at once, so resumed video decodes at once.
      this.ctx.media.addVideoDestination(key, videoDestination(v));
      this.forks.set(key, { key, client: this.answered.client, dialog: this.answered.dialog, plan });
    } else if (this.forks.has(key)) {
      this.ctx.media.removeVideoDestination(key);
      this.forks.delete(key);
    }
    if (plan.audio?.send) this.startTalk(plan);
    else if (this.talking) this.stopTalk();
    const held = plan.audio ? !plan.audio.send : !plan.video?.send;
    this.ctx.log.info(`call ${this.id}: ${why}: audio ${direction(plan.audio)}, video ${direction(plan.video)}${held ? ' (on hold)' : ''}`);
    this.setState(held ? CallState.PausedByRemote : CallState.StreamsRunning);
  }
}

function direction(s: StreamPlan | undefined): string {
  if (!s) return 'none';
  return s.send && s.recv ? 'sendrecv' : s.send ? 'sendonly' : s.recv ? 'recvonly' : 'inactive';
}

const forkId = (client: InviteClient, dialog: Dialog): string => `${client.target}\u0000${dialog.remoteTag}`;

function userOf(uri: string): string {
  return /^sips?:([^@;]+)@/.exec(uri)?.[1] ?? 'door';
}

function addr(value: string): string {
  return /<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
}
