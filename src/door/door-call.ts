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
import type { LocalMedia, MediaPlan } from '../sdp/types.js';
import type { IncomingRequest, SipStack } from '../sip/core/sip-stack.js';
import { Dialog } from '../sip/dialog/dialog.js';
import type { DialogRouter, DialogUser } from '../sip/dialog/dialog-router.js';
import { InviteClient } from '../sip/dialog/invite-client.js';
import type { DigestCredentials } from '../sip/auth/index.js';
import { endpointKey, type Endpoint } from '../sip/transport/endpoint.js';
import { buildRequest } from '../sip/core/sip-stack.js';
import { CallState, OUTGOING_RANK, type CallStateName } from './call-state.js';
import { codeFromMessage, digitFromInfo } from './dtmf-info.js';
import { localMedia, newSessionId } from './local-media.js';

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
  private sdpVersion = 1;
  private forkSeq = 0;
  private incoming: { inc: IncomingRequest; retransmit?: NodeJS.Timeout } | undefined;

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
        this.local = localMedia(this.ctx.media.capabilities(), address, this.ctx.srtp, this.sessionId, this.sdpVersion);
        offer = buildOffer(this.local);
      } catch (e) {
        log.warn(`call ${this.id}: cannot call ${target}: ${e instanceof Error ? e.message : String(e)}`);
        this.endReason = e instanceof Error ? e.message : String(e);
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
      this.ctx.log.warn(`call ${this.id}: early SDP from ${dialog.remoteUri} unusable: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const key = `${this.id}:${++this.forkSeq}`;
    this.forks.set(key, { key, client, dialog, plan });
    this.setState(CallState.OutgoingEarlyMedia);
    if (this.earlyMedia === 'none') return;
    if (plan.video?.send) {
      this.ctx.media.addVideoDestination(key, { address: plan.video.address, port: plan.video.port, payloadType: plan.video.codec.payloadType });
      this.ctx.log.info(`call ${this.id}: early video to ${dialog.remoteUri} at ${plan.video.address}:${plan.video.port} (fork ${this.forks.size})`);
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
    } catch (e) {
      this.ctx.log.warn(`call ${this.id}: answer SDP unusable: ${e instanceof Error ? e.message : String(e)}`);
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
      this.ctx.media.addVideoDestination(key, { address: plan.video.address, port: plan.video.port, payloadType: plan.video.codec.payloadType });
      if (!fork) this.forks.set(key, { key, client, dialog, plan });
    }
    if (plan) this.startTalk(plan);
    this.ctx.router.add(dialog, this.dialogUser());
    this.connectedAt = Date.now();
    this.ctx.log.info(`call ${this.id}: answered by ${dialog.remoteUri}`);
    this.setState(CallState.Connected);
    this.setState(CallState.StreamsRunning);
    this.maxTimer = setTimeout(() => {
      this.ctx.log.info(`call ${this.id}: max_duration reached; hanging up`);
      void this.hangup();
    }, this.ctx.call.max_duration * 1000);
  }

  private startTalk(plan: MediaPlan): void {
    const a = plan.audio;
    if (!a || !a.send && !a.recv) return;
    const codec = a.codec.name.toLowerCase() === 'opus' ? 'opus' : a.codec.name.toUpperCase() === 'PCMA' ? 'PCMA' : 'PCMU';
    this.ctx.media.startTalk({
      address: a.address,
      port: a.port,
      codec,
      payloadType: a.codec.payloadType,
      dtmf: a.dtmf ? { payloadType: a.dtmf.payloadType, clockRate: a.dtmf.clockRate } : undefined,
    });
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
    if (this.answered?.plan.audio || this.earlyMedia === 'audio+video') this.ctx.media.stopTalk();
  }

  private finish(state: typeof CallState.End | typeof CallState.Error): void {
    if (this.ended) return;
    clearTimeout(this.ringTimer);
    clearTimeout(this.maxTimer);
    clearTimeout(this.incoming?.retransmit);
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
    this.local = localMedia(media.capabilities(), address, this.ctx.srtp, this.sessionId, this.sdpVersion);
    let answer: { sdp: string; plan: MediaPlan };
    try {
      if (inc.request.body.length === 0) throw new Error('an INVITE without SDP offer is not supported');
      answer = answerOffer(inc.request.body.toString('utf8'), this.local);
    } catch (e) {
      inc.respond(488, 'Not Acceptable Here');
      this.endReason = e instanceof Error ? e.message : String(e);
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
    if (plan.video?.send) media.addVideoDestination(`${this.id}:in`, { address: plan.video.address, port: plan.video.port, payloadType: plan.video.codec.payloadType });
    if (plan.video?.send) this.forks.set(`${this.id}:in`, { key: `${this.id}:in`, dialog, plan });
    this.startTalk(plan);
    this.connectedAt = Date.now();
    log.info(`call ${this.id}: answered the call from ${this.remote}`);
    this.setState(CallState.Connected);
    this.setState(CallState.StreamsRunning);
    this.maxTimer = setTimeout(() => void this.hangup(), this.ctx.call.max_duration * 1000);
    return true;
  }

  // ---- within the dialog ----------------------------------------------------

  private dialogUser(): DialogUser {
    return {
      onAck: () => {
        clearTimeout(this.incoming?.retransmit);
      },
      onRequest: (inc) => this.inDialog(inc),
    };
  }

  private inDialog(inc: IncomingRequest): void {
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
        return this.reoffer(inc);
      default:
        inc.respond(405, 'Method Not Allowed');
    }
  }

  /** re-INVITE / UPDATE (hold, resume, codec change): answer with what we can, apply it. */
  private reoffer(inc: IncomingRequest): void {
    if (!this.local || inc.request.body.length === 0) {
      // An offerless re-INVITE asks for our offer; our last answer serves (RFC 3264 §8).
      inc.respond(200, 'OK', this.lastAnswer ? { body: Buffer.from(this.lastAnswer), contentType: 'application/sdp' } : {});
      return;
    }
    try {
      this.local = { ...this.local, sessionVersion: ++this.sdpVersion };
      const { sdp, plan } = answerOffer(inc.request.body.toString('utf8'), this.local);
      this.lastAnswer = sdp;
      inc.respond(200, 'OK', { body: Buffer.from(sdp), contentType: 'application/sdp' });
      const held = !plan.audio?.send && !plan.video?.send;
      if (held) {
        this.ctx.media.stopTalk();
        this.setState(CallState.PausedByRemote);
      } else {
        this.startTalk(plan);
        this.setState(CallState.StreamsRunning);
      }
    } catch {
      inc.respond(488, 'Not Acceptable Here');
    }
  }

  private lastAnswer: string | undefined;
}

function userOf(uri: string): string {
  return /^sips?:([^@;]+)@/.exec(uri)?.[1] ?? 'door';
}

function addr(value: string): string {
  return /<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
}
