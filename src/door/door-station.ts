/**
 * The door station's policy: what a press does (the plan in force of the
 * button pressed: plan/call-plan.ts), which incoming calls are answered (`door.allowed`,
 * `auto_answer`), where DTMF, INFO and MESSAGE codes go (the door
 * opener), and the call events it publishes (control/events/call-events.ts
 * shows them on the control socket).
 */
import type { CallConfig, Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { MediaEngine } from '../media/media-engine.js';
import type { DtmfDigit } from '../dtmf.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import { senderOf, UserAgent, type DigestCredentials, type Endpoint, type IncomingRequest, type SipStack } from '../sip/user-agent.js';
import { CallState, type CallStateName } from './call/call-state.js';
import { DoorCall, type DoorCallContext } from './call/door-call.js';
import type { DoorOpener } from './opener/door-opener.js';
import { codeFromMessage } from './opener/body-codes.js';
import { effectiveButtons, type EffectiveButton } from '../config/buttons.js';
import { realClock, type Clock } from '../clock.js';
import { unknownName } from '../config/names.js';
import { planInForce } from './plan/call-plan.js';

/** A call moved to `state`; `from` is what linphone shows as From (the door itself on outgoing calls). */
export interface CallStateChange {
  id: number;
  state: CallStateName;
  from: string;
  /** Why a call ended or failed (on End and Error). */
  reason?: string;
}

/** A peer refused because it would not do SRTP and media.srtp is "mandatory". */
export interface SrtpRefusal {
  id: number;
  peer: string;
  reason: string;
}

/** A press (or `ring`) started a call (issue 15): which button, the plan in force, whom it rings. */
export interface RingStart {
  id: number;
  button: string;
  /** "default" or the schedule entry's name. */
  plan: string;
  mode: CallConfig['mode'];
  targets: string[];
  /** The daemon clock's time of the press. */
  at: Date;
}

export type DoorStationEvents = {
  'call-state': [CallStateChange];
  ring: [RingStart];
  'srtp-refused': [SrtpRefusal];
};

export interface DoorStationOptions {
  config: Config;
  stack: SipStack;
  media: MediaEngine;
  opener: DoorOpener;
  log: Logger;
  credentials?: DigestCredentials;
  /** Lit while a call is up. */
  setLed?(on: boolean): void;
  /**
   * Why calls through the registrar may fail right now (e.g. "not registered:
   * registration at sip:... failed: ..."), or undefined when registered or
   * there is no registrar: added to the reason of a failed call, so the
   * user sees why the bell did nothing.
   */
  registrationProblem?(): string | undefined;
  /** An INVITE to these next hops got no response at all (see DoorCallContext.onUnreachable). */
  onUnreachable?(hops: Endpoint[]): void;
  /** What time it is for the schedules (clock.ts: the daemon's one clock); real time if absent. */
  clock?: Clock;
}

export class DoorStation extends TypedEmitter<DoorStationEvents> {
  private readonly calls = new Map<number, DoorCall>();
  private nextId = 1;
  private readonly ctx: DoorCallContext;
  private readonly buttons: EffectiveButton[];

  constructor(private readonly opts: DoorStationOptions) {
    super();
    const { config, stack, media, log } = opts;
    this.buttons = effectiveButtons(config);
    const ua = new UserAgent({ stack, log, identity: config.sip.identity, credentials: opts.credentials }, { onInvite: (inc) => this.incoming(inc), onMessage: (inc) => this.message(inc) });
    this.ctx = {
      ua,
      media,
      log,
      call: config.call,
      srtp: config.media.srtp,
      onState: (call, state) => this.onState(call, state),
      onUnreachable: (hops) => opts.onUnreachable?.(hops),
      onDigit: (call, digit, method) => {
        if (call.peer) opts.opener.dtmf({ call: call.id, digit, peer: call.peer, method });
      },
      onCode: (call, code, method) => (call.peer ? opts.opener.tryCode({ code: code.trim(), peer: call.peer, method }).opened : false),
      // media.srtp = "mandatory" refused a peer without keys: scripts see why a screen stayed dark or was hung up on.
      onSrtpRefused: (call, peer, reason) => this.emit('srtp-refused', { id: call.id, peer, reason }),
    };
    media.on('dtmf', (digit) => {
      const call = this.current();
      if (call?.peer) opts.opener.dtmf({ call: call.id, digit, peer: call.peer, method: 'dtmf' });
    });
  }

  get earlyMediaSetting(): Config['call']['early_media'] {
    return this.opts.config.call.early_media;
  }

  /** The call that is up or ringing, if any (one at a time: a door has one camera and one visitor). */
  current(): DoorCall | undefined {
    // Runs on every press and every DTMF digit: walk the map, no copy of it.
    for (const c of this.calls.values()) if (!c.ended) return c;
    return undefined;
  }

  get(id: number): DoorCall | undefined {
    return this.calls.get(id);
  }

  /** The buttons' names in config order: `ring NAME` takes these ("button" without [[buttons]]). */
  get buttonNames(): string[] {
    return this.buttons.map((b) => b.name);
  }

  /**
   * A press (button or `ring`) of `button` (undefined: the first): the
   * button's plan in force now (issue 15). A press while the
   * door's own call is ringing or up does nothing but say so: a visitor
   * leaning on the button must not cancel the call the residents are about
   * to answer. An incoming call never holds a press back (issue 12: one
   * INVITE with a forgeable allowed From blocked the button for good): it
   * is ended, ringing (486) or answered (BYE), and the press rings the
   * targets. The visitor at the door outranks a screen looking at it; that
   * screen, being one of the targets, rings with the visitor.
   */
  ring(button?: string): { id: number; already: boolean } {
    const pressed = button === undefined ? this.buttons[0]! : this.buttons.find((b) => b.name === button);
    if (!pressed) throw new Error(unknownName('button', button ?? '', this.buttonNames));
    const name = pressed.name;
    const busy = this.current();
    if (busy?.direction === 'out') {
      this.opts.log.info(`button ${name} pressed: press ignored, call ${busy.id} is already ${busy.state}`);
      return { id: busy.id, already: true };
    }
    if (busy?.direction === 'in') {
      this.opts.log.info(`button ${name} pressed during the ${busy.answered ? 'answered' : 'ringing'} call ${busy.id} from ${busy.remote}: it ends, the press rings the targets`);
      busy.endReason = 'the door button was pressed';
      void busy.hangup();
    }
    const at = (this.opts.clock ?? realClock)();
    const plan = planInForce(pressed, this.opts.config.call, at);
    this.opts.log.info(`button ${name} pressed: plan ${plan.name} → targets ${plan.targets.join(', ') || '(none)'} (${plan.mode}, ring_timeout ${plan.ring_timeout} s, early_media ${plan.early_media})`);
    return this.start(plan.targets, plan.early_media, plan, (id) => this.emit('ring', { id, button: name, plan: plan.name, mode: plan.mode, targets: plan.targets, at }));
  }

  /** `call URI [--early-media]`: one target; the flag forces early video on. */
  call(targets: string[], earlyMedia: Config['call']['early_media']): { id: number; already: boolean } {
    return this.start(targets, earlyMedia);
  }

  /** `started` runs with the new call's id before its first state event, so a ring-started event comes first. */
  private start(
    targets: string[],
    earlyMedia: CallConfig['early_media'],
    plan?: Pick<CallConfig, 'mode' | 'ring_timeout'>,
    started?: (id: number) => void,
  ): { id: number; already: boolean } {
    const busy = this.current();
    if (busy) {
      this.opts.log.info(`call ${busy.id} is already ${busy.state}; press ignored`);
      return { id: busy.id, already: true };
    }
    const id = this.nextId++;
    started?.(id);
    this.calls.set(id, DoorCall.outgoing(id, targets, this.ctx, earlyMedia, plan));
    return { id, already: false };
  }

  async terminate(id: number): Promise<void> {
    await this.calls.get(id)?.hangup();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.calls.values()].map((c) => c.hangup()));
  }

  private onState(call: DoorCall, state: CallStateName): void {
    const ending = state === CallState.End || state === CallState.Error;
    const reason = ending ? this.reasonOf(call, state) : undefined;
    // A press that rang nobody must say so where a user looks: the log, not only an event few clients read.
    if (reason && state === CallState.Error) this.opts.log.warn(`call ${call.id} to ${call.remote} failed: ${reason}`);
    else if (reason) this.opts.log.info(`call ${call.id} ended: ${reason}`);
    // linphone's convention: From is the call's From header, the door itself on outgoing calls (LINPHONE-DAEMON.md §4).
    this.emit('call-state', { id: call.id, state, from: call.direction === 'out' ? this.opts.config.sip.identity : call.remote, ...(reason ? { reason } : {}) });
    if (state === CallState.StreamsRunning) this.opts.setLed?.(true);
    if (state === CallState.Released) {
      this.opts.setLed?.(false);
      this.opts.opener.endCall(call.id);
      // Keep a few ended calls for call-status; drop older ones so memory stays flat.
      for (const [id, c] of this.calls) if (c.state === CallState.Released && id < call.id - 10) this.calls.delete(id);
      // The id only: a timer closing over the call would keep every call of the last minute (dialogs, SDP, transactions) alive.
      const id = call.id;
      setTimeout(() => this.calls.delete(id), 60_000).unref();
    }
  }

  /** The end reason, with the registration's trouble when an outgoing call failed while it has some. */
  private reasonOf(call: DoorCall, state: CallStateName): string | undefined {
    const problem = state === CallState.Error && call.direction === 'out' ? this.opts.registrationProblem?.() : undefined;
    if (!call.endReason) return problem;
    return problem ? `${call.endReason} (${problem})` : call.endReason;
  }

  /** SPEC section 4: from `door.allowed` answered when `auto_answer`, anyone else 403. */
  private incoming(inc: IncomingRequest): void {
    // Who is calling: the From URI. (P-Asserted-Identity is not trusted: we cannot tell here whether a
    // trusted proxy put it there; SECURITY in the README says to let only the proxy reach the door's SIP port.)
    const from = senderOf(inc.request);
    if (!this.opts.opener.isAllowed(from)) {
      // Stateless, with a rate-limited log: a flood of strangers' INVITEs costs no transactions (issue 12).
      inc.rejectStateless(403, `refused a call from ${from}: not in door.allowed`);
      return;
    }
    if (this.current()) {
      inc.respond(486, 'Busy Here');
      return;
    }
    const id = this.nextId++;
    this.calls.set(id, DoorCall.incomingCall(id, inc, this.ctx, this.opts.config.door.auto_answer));
  }

  /** A MESSAGE outside any call whose body is the code (SPEC section 4). */
  private message(inc: IncomingRequest): void {
    const code = codeFromMessage(inc.request.headers.get('Content-Type'), inc.request.body.toString('utf8'));
    if (code === undefined) return void inc.respond(415, 'Unsupported Media Type', { headers: [['Accept', 'text/plain']] });
    const result = this.opts.opener.tryCode({ code, peer: senderOf(inc.request), method: 'message' });
    if (result.opened) inc.respond(200, 'OK');
    // A stranger's MESSAGE keeps no transaction (issue 12); an allowed peer's wrong code does, so a
    // retransmission is absorbed instead of counting as another wrong attempt.
    else if (result.reason === 'not-allowed') inc.rejectStateless(403);
    else inc.respond(403, 'Forbidden');
  }

  async sendDtmf(digit: DtmfDigit): Promise<void> {
    await this.opts.media.sendDtmf(digit);
  }
}
