/**
 * One call of the door station: outgoing (a press or `call URI`) to one or
 * more targets (outgoing.ts), or incoming from a screen looking at the door
 * (incoming.ts); once answered, its dialog's requests go to in-dialog.ts and
 * its media through call-media.ts. This file holds what they share: the
 * state, the timers, the way the call ends, and the public face.
 */
import type { CallConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import type { MediaEngine } from '../../media/media-engine.js';
import type { LocalMedia } from '../../sdp/types.js';
import { senderOf, type AnsweredUser, type Endpoint, type IncomingRequest, type UserAgent } from '../../sip/user-agent.js';
import type { Answer, CallCore, Fork } from './call-core.js';
import { CallMedia } from './call-media.js';
import { CallState, OUTGOING_RANK, type CallPhase, type CallStateName, type LocalSdp } from './call-state.js';
import { InDialog } from './in-dialog.js';
import { Incoming } from './incoming.js';
import { Outgoing } from './outgoing.js';

export interface DoorCallContext {
  ua: UserAgent;
  media: MediaEngine;
  log: Logger;
  call: CallConfig;
  srtp: LocalMedia['srtp'];
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

export class DoorCall implements CallCore {
  state: CallStateName = CallState.OutgoingInit;
  readonly startedAt = Date.now();
  connectedAt: number | undefined;
  endReason: string | undefined;
  phase: CallPhase = 'setting-up';
  readonly forks = new Map<string, Fork>();
  readonly media: CallMedia;
  readonly log: Logger;
  private _answered: Answer | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private outgoing: Outgoing | undefined;
  private incoming: Incoming | undefined;
  private inDialog: InDialog | undefined;
  /** [call], with a press's plan (issue 15: the button's mode and ring_timeout) over it. */
  private readonly callConfig: CallConfig;

  private constructor(
    readonly id: number,
    readonly direction: 'out' | 'in',
    /** Whom we call, or who called. */
    readonly remote: string,
    private readonly ctx: DoorCallContext,
    readonly earlyMedia: CallConfig['early_media'],
    plan?: Pick<CallConfig, 'mode' | 'ring_timeout'>,
  ) {
    this.callConfig = plan ? { ...ctx.call, mode: plan.mode, ring_timeout: plan.ring_timeout } : ctx.call;
    this.media = new CallMedia(ctx.media, ctx.srtp);
    this.log = ctx.log.child(`call ${id}`);
  }

  /** `plan`: a button's mode and ring_timeout (issue 15); absent: [call]'s. */
  static outgoing(id: number, targets: string[], ctx: DoorCallContext, earlyMedia: CallConfig['early_media'], plan?: Pick<CallConfig, 'mode' | 'ring_timeout'>): DoorCall {
    const call = new DoorCall(id, 'out', targets.join(', '), ctx, earlyMedia, plan);
    call.ctx.onState(call, CallState.OutgoingInit);
    call.outgoing = new Outgoing(call);
    call.outgoing.start(targets);
    return call;
  }

  static incomingCall(id: number, inc: IncomingRequest, ctx: DoorCallContext, autoAnswer: boolean): DoorCall {
    const call = new DoorCall(id, 'in', senderOf(inc.request), ctx, 'none');
    call.incoming = new Incoming(call, inc);
    call.state = CallState.IncomingReceived;
    ctx.onState(call, CallState.IncomingReceived);
    call.incoming.start(autoAnswer);
    return call;
  }

  get ua(): UserAgent {
    return this.ctx.ua;
  }

  get config(): CallConfig {
    return this.callConfig;
  }

  get answered(): Answer | undefined {
    return this._answered;
  }

  get ended(): boolean {
    return this.state === CallState.End || this.state === CallState.Error || this.state === CallState.Released;
  }

  get earlyForks(): number {
    return this._answered ? 1 : (this.outgoing?.forkCount ?? 0);
  }

  /** The peer a code must come from: who answered (Answer.identity: the URI we called), or who called. */
  get peer(): string | undefined {
    return this._answered?.identity ?? (this.direction === 'in' ? this.remote : undefined);
  }

  /** Answers an incoming call: video sendonly and two-way audio (SPEC section 4). */
  async accept(): Promise<boolean> {
    return this.incoming ? this.incoming.accept() : false;
  }

  /** `terminate`: CANCEL before the answer, BYE after. */
  async hangup(): Promise<void> {
    if (this.ended) return;
    this.phase = 'hanging-up';
    this.outgoing?.dropPending();
    if (this.incoming && !this._answered) {
      this.incoming.refuse();
      this.finish(CallState.End);
      return;
    }
    if (this._answered) {
      const { dialog } = this._answered;
      this.teardownMedia();
      this.finish(CallState.End);
      await this.ua.bye(dialog);
      return;
    }
    // The call is over for the user now; each CANCEL still ends in its 487 (or a 200 that is ACKed and hung up).
    this.outgoing?.cancelAll();
    this.endReason = 'terminated';
    this.finish(CallState.End);
  }

  setState(state: CallStateName): void {
    if (this.state === state || this.state === CallState.Released) return;
    // Forks report out of order: an outgoing call only moves forward.
    const from = OUTGOING_RANK[this.state];
    const to = OUTGOING_RANK[state];
    if (from !== undefined && to !== undefined && to < from) return;
    this.state = state;
    this.ctx.onState(this, state);
  }

  answer(answer: Answer): void {
    this._answered = answer;
    this.phase = 'answered';
  }

  dialogUser(sdp: LocalSdp): AnsweredUser {
    this.inDialog = new InDialog(this, sdp);
    return this.inDialog.user();
  }

  connected(): void {
    this.connectedAt = Date.now();
    this.setState(CallState.Connected);
    this.setState(CallState.StreamsRunning);
    this.armMaxDuration();
  }

  srtpRefused(peer: string, reason: string): void {
    this.log.warn(`${peer} refused: ${reason}`);
    this.ctx.onSrtpRefused?.(this, peer, reason);
  }

  digit(digit: string): void {
    this.ctx.onDigit(this, digit, 'info');
  }

  code(code: string): boolean {
    return this.ctx.onCode(this, code, 'message');
  }

  unreachable(hops: Endpoint[]): void {
    this.ctx.onUnreachable?.(hops);
  }

  finish(state: typeof CallState.End | typeof CallState.Error): void {
    if (this.ended) return;
    clearTimeout(this.maxTimer);
    this.outgoing?.dispose();
    this.inDialog?.stop();
    this.teardownMedia();
    if (this._answered) this.ua.forget(this._answered.dialog);
    this.setState(state);
    this.setState(CallState.Released);
  }

  /** `[call] max_duration` (SPEC section 4): BYE when it elapses, whoever placed the call. */
  private armMaxDuration(): void {
    const seconds = this.ctx.call.max_duration;
    this.maxTimer = setTimeout(() => {
      if (this.ended) return;
      this.log.info(`max_duration (${seconds} s) reached; hanging up`);
      this.endReason = `max_duration (${seconds} s) reached`;
      void this.hangup();
    }, seconds * 1000);
  }

  private teardownMedia(): void {
    for (const f of this.forks.values()) {
      this.media.hideVideo(f.key);
      this.media.hideAudio(f.key);
    }
    this.forks.clear();
    if (this._answered?.plan.audio || this.media.sending) this.media.stopTalk();
  }
}
