/**
 * Who may open the door, and how (SPEC section 4 "Door opening"). Pure
 * policy: SIP hands in codes, digits and peers; the relay is behind
 * RelayControl (the GPIO service).
 *
 * Wrong codes are counted globally, not per call or per peer: a per-call
 * counter is reset by hanging up and calling again, and a per-peer one by
 * claiming another From URI (unauthenticated in plain SIP). One counter
 * for everyone means `max_attempts` wrong codes from anywhere lock code
 * opening for `lockout_s`. The price is that someone guessing can keep the
 * residents from opening by code meanwhile; `open-door` on the control
 * socket is never locked. The counter starts again after a right code and
 * when a lockout ends.
 *
 * Attempts from peers not in `door.allowed`, and attempts while no code is
 * configured, are refused without looking at the code and are not
 * counted: they cannot open, so they cannot guess.
 *
 * Events (DoorOpenerEvents): opened, refused (with the reason; for a
 * wrong code also the count), locked, unlocked. The opener does not know
 * how they are shown: control/events/door-events.ts turns them into the
 * control socket's door-* events (SPEC section 3).
 * Neither events nor logs ever carry a code or typed digits.
 *
 * Several relays (issue 15): each relay has its own codes, and the code
 * typed names the relay that opens (code-book.ts); wrong codes of all
 * relays count together toward one lockout. `openBy` (control socket, MQTT,
 * exit button) names a relay or takes the first.
 */
import type { DoorConfig } from '../../config/schema.js';
import { TypedEmitter } from '../../events/typed-emitter.js';
import type { PulseOutcome } from '../../gpio/relay.js';
import type { Logger } from '../../log/logger.js';
import { SummaryLog } from '../../log/summary-log.js';
import { CodeBook, type RelayCodes } from './code-book.js';
import { DigitBuffers, type CallKey } from './digit-buffers.js';
import { AllowList, describePeer } from './allow-list.js';

export type CodeMethod = 'dtmf' | 'info' | 'message';
/** `exit`: the exit button (request to exit), which needs no code. */
export type OpenMethod = CodeMethod | 'control' | 'exit';

export type RefusalReason = 'wrong-code' | 'not-allowed' | 'locked' | 'no-code' | 'no-relay' | 'disarmed' | 'unavailable';

export type OpenResult =
  /** `relay`: a pulse started, or one was running and was left to end (relay.ts). */
  | { readonly opened: true; readonly relay: 'started' | 'already-on' }
  | { readonly opened: false; readonly reason: RefusalReason };

/** The GPIO service, as far as opening needs it. */
export interface RelayControl {
  /** `name` undefined: the first relay. */
  pulseRelay(name?: string): PulseOutcome;
}

export interface DoorOpenerOptions {
  config: Pick<DoorConfig, 'open_code' | 'allowed' | 'max_attempts' | 'lockout_s'>;
  relay: RelayControl;
  /**
   * The relays and their codes, first = the default (config/relays.ts relaySpecs); without it one relay
   * "door" with `config.open_code`.
   */
  relays?: readonly RelayCodes[];
  log: Logger;
  /** A pause between digits longer than this drops the digits typed so far. */
  interDigitTimeoutMs?: number;
}

/** Who tried and how; `by` is the peer as describePeer shows it, or `control`. */
export interface OpenAttempt {
  readonly by: string;
  readonly method: OpenMethod;
}

/** An opening: who, how, and which relay pulsed. */
export interface DoorOpening extends OpenAttempt {
  readonly relay: string;
}

export interface DoorRefusal extends OpenAttempt {
  readonly reason: RefusalReason;
  /** Only for `wrong-code`: wrong codes counted so far, and the count that locks. */
  readonly attempts?: { readonly count: number; readonly max: number };
}

export interface DoorLockout {
  /** The attempt that locked. */
  readonly by: string;
  readonly method: CodeMethod;
  /** Wrong codes that led to the lockout. */
  readonly attempts: number;
  readonly seconds: number;
  readonly until: Date;
}

export type DoorOpenerEvents = {
  opened: [DoorOpening];
  refused: [DoorRefusal];
  locked: [DoorLockout];
  /** The lockout ended. */
  unlocked: [];
};

export class DoorOpener extends TypedEmitter<DoorOpenerEvents> {
  readonly name = 'door-opener';
  private readonly code: CodeBook;
  private readonly relays: readonly RelayCodes[];
  private readonly allowed: AllowList;
  private readonly digits: DigitBuffers;
  private wrong = 0;
  private lockedUntil = 0;
  private unlockTimer: NodeJS.Timeout | undefined;
  /** Strangers' attempts can come in floods: logged once, then summed up per minute (issue 12). */
  private readonly strangers: SummaryLog;

  constructor(private readonly opts: DoorOpenerOptions) {
    super();
    this.strangers = new SummaryLog(opts.log, 'attempts from peers not in door.allowed');
    this.relays = opts.relays ?? [{ name: 'door', openCodes: opts.config.open_code ? [opts.config.open_code] : [] }];
    this.code = new CodeBook(this.relays);
    this.allowed = new AllowList(opts.config.allowed);
    this.digits = new DigitBuffers(this.code, opts.interDigitTimeoutMs);
  }

  async start(): Promise<void> {
    const { log } = this.opts;
    if (!this.code.configured) log.info('no open code (door.open_code, relays.open_codes): DTMF, INFO and MESSAGE cannot open the door');
    else if (this.allowed.size === 0) log.warn('open codes are set but door.allowed is empty: nobody can open by code');
  }

  async stop(): Promise<void> {
    this.digits.clear();
    this.strangers.dispose();
    if (this.unlockTimer) clearTimeout(this.unlockTimer);
    this.unlockTimer = undefined;
  }

  /** Whether calls from `peer` are answered and its codes considered (SPEC section 4). */
  isAllowed(peer: string): boolean {
    return this.allowed.match(peer) !== undefined;
  }

  /** The relays' names, first = the default of `openBy`. */
  get relayNames(): string[] {
    return this.relays.map((r) => r.name);
  }

  /** Code opening is refused until then; undefined when not locked. */
  get lockedUntilDate(): Date | undefined {
    return this.isLocked() ? new Date(this.lockedUntil) : undefined;
  }

  /** Wrong codes counted toward the next lockout. */
  get wrongAttempts(): number {
    return this.wrong;
  }

  /** A whole code at once: a MESSAGE body, an INFO carrying a sequence. */
  tryCode(attempt: { code: string; peer: string; method: CodeMethod }): OpenResult {
    const by = describePeer(attempt.peer);
    const { method } = attempt;
    if (!this.isAllowed(attempt.peer)) return this.refuse(by, method, 'not-allowed');
    if (!this.code.configured) return this.refuse(by, method, 'no-code');
    if (this.isLocked()) return this.refuse(by, method, 'locked');
    const relay = this.code.match(attempt.code);
    if (relay === undefined) return this.wrongCode(by, method);
    this.wrong = 0;
    return this.open(by, method, relay);
  }

  /**
   * One DTMF digit in a call (RFC 4733, or INFO per digit). Undefined
   * while an entry is still being typed; the entry's result once complete.
   */
  dtmf(d: { call: CallKey; digit: string; peer: string; method: 'dtmf' | 'info' }): OpenResult | undefined {
    const entry = this.digits.push(d.call, d.digit);
    if (entry === undefined) return undefined;
    return this.tryCode({ code: entry, peer: d.peer, method: d.method });
  }

  /** Forgets a call's typed digits (BYE, CANCEL). */
  endCall(call: CallKey): void {
    this.digits.end(call);
  }

  /**
   * Opening by a trusted local channel (the control socket, MQTT) or the exit button: no code, never
   * locked. `relay` undefined: the first relay; a name that is no relay is refused (no-relay).
   */
  openBy(who: { by: string; method: 'control' | 'exit'; relay?: string }): OpenResult {
    const relay = who.relay ?? this.relayNames[0];
    const by = describePeer(who.by);
    if (relay === undefined || !this.relayNames.includes(relay)) return this.refuse(by, who.method, 'no-relay');
    return this.open(by, who.method, relay);
  }

  private isLocked(): boolean {
    return this.lockedUntil > Date.now();
  }

  private open(by: string, method: OpenMethod, relay: string): OpenResult {
    const r = this.opts.relay.pulseRelay(relay);
    switch (r.status) {
      case 'started':
      case 'already-on':
        this.opts.log.info(`${relay} opened by ${by} via ${method} at ${new Date().toISOString()}${r.status === 'already-on' ? ' (already open)' : ''}`);
        this.emit('opened', { by, method, relay });
        return { opened: true, relay: r.status };
      case 'no-relay':
        return this.refuse(by, method, 'no-relay');
      case 'disarmed':
        return this.refuse(by, method, 'disarmed');
      case 'unavailable':
        return this.refuse(by, method, 'unavailable');
    }
  }

  private refuse(by: string, method: OpenMethod, reason: RefusalReason, attempts?: DoorRefusal['attempts']): OpenResult {
    const line = `door not opened for ${by} via ${method} at ${new Date().toISOString()}: ${reason}`;
    if (reason === 'not-allowed') this.strangers.note(line);
    else this.opts.log.warn(line);
    this.emit('refused', { by, method, reason, ...(attempts ? { attempts } : {}) });
    return { opened: false, reason };
  }

  private wrongCode(by: string, method: CodeMethod): OpenResult {
    const max = this.opts.config.max_attempts;
    this.wrong++;
    const result = this.refuse(by, method, 'wrong-code', { count: this.wrong, max });
    if (this.wrong >= max) this.lock(by, method);
    return result;
  }

  private lock(by: string, method: CodeMethod): void {
    const seconds = this.opts.config.lockout_s;
    this.lockedUntil = Date.now() + seconds * 1000;
    const until = new Date(this.lockedUntil);
    this.opts.log.warn(`code opening locked for ${seconds} s (until ${until.toISOString()}) after ${this.wrong} wrong codes; last from ${by} via ${method}`);
    this.emit('locked', { by, method, attempts: this.wrong, seconds, until });
    if (this.unlockTimer) clearTimeout(this.unlockTimer);
    this.unlockTimer = setTimeout(() => this.unlock(), seconds * 1000);
    // A pending unlock must not keep a stopping process alive.
    this.unlockTimer.unref();
  }

  private unlock(): void {
    this.unlockTimer = undefined;
    this.lockedUntil = 0;
    this.wrong = 0;
    this.opts.log.info('code opening unlocked');
    this.emit('unlocked');
  }
}
