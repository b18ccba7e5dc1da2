/**
 * The door relay: timed pulses, and the guarantee that it ends off.
 *
 * A second request during a pulse is ignored, not extended: the door is
 * already open, and extending would let a client that repeats its request
 * (a stuck button on a screen, a script in a loop) keep a door strike
 * energised indefinitely, and many strikes are rated for short pulses
 * only. The longest the relay is ever on is `relay_pulse_ms`.
 */
import type { Logger } from '../log/logger.js';
import type { GpioBackend, Level, OutputLine } from './backend.js';
import { exitGuard, type ExitGuard, type OffReason } from './exit-guard.js';

export type PulseOutcome =
  | { readonly status: 'started'; readonly ms: number }
  /** A pulse is running; it was left to end at its time. */
  | { readonly status: 'already-on'; readonly remainingMs: number }
  /** `relay = -1`. */
  | { readonly status: 'no-relay' }
  /** A stop signal arrived: the relay stays off until the process is restarted. */
  | { readonly status: 'disarmed' }
  /** GPIO not started, or closed. */
  | { readonly status: 'unavailable' };

export interface RelayOptions {
  backend: GpioBackend;
  /** BCM line. */
  line: number;
  activeLow: boolean;
  pulseMs: number;
  log: Logger;
  guard?: ExitGuard;
}

export class Relay {
  private readonly out: OutputLine;
  private readonly offLevel: Level;
  private readonly removeGuard: () => void;
  private timer: NodeJS.Timeout | undefined;
  private until = 0;
  private disarmed = false;
  private closed = false;

  /**
   * Opening drives the line to off in the same step: after a crash or
   * SIGKILL during a pulse, sysfs still holds the line on, and the first
   * thing a restart does is end that.
   */
  constructor(private readonly opts: RelayOptions) {
    this.offLevel = opts.activeLow ? 1 : 0;
    this.out = opts.backend.openOutput(opts.line, this.offLevel);
    this.removeGuard = (opts.guard ?? exitGuard()).add((reason) => this.forceOff(reason));
  }

  get isOn(): boolean {
    return this.timer !== undefined;
  }

  pulse(): PulseOutcome {
    if (this.closed) return { status: 'unavailable' };
    if (this.disarmed) return { status: 'disarmed' };
    if (this.timer) return { status: 'already-on', remainingMs: Math.max(0, this.until - Date.now()) };
    const ms = this.opts.pulseMs;
    this.out.write(this.onLevel);
    this.until = Date.now() + ms;
    this.timer = setTimeout(() => this.off('pulse ended'), ms);
    this.opts.log.info(`relay on for ${ms} ms`);
    return { status: 'started', ms };
  }

  /** Synchronous; safe to call at any time, any number of times. */
  off(why = 'off'): void {
    const wasOn = this.timer !== undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.out.write(this.offLevel);
    if (wasOn) this.opts.log.info(`relay off (${why})`);
  }

  close(): void {
    if (this.closed) return;
    this.off('closing');
    this.closed = true;
    this.removeGuard();
    this.out.close();
  }

  private get onLevel(): Level {
    return this.offLevel === 1 ? 0 : 1;
  }

  private forceOff(reason: OffReason): void {
    // After a stop signal a new pulse could start between here and the
    // graceful stop reaching this relay; latch off until restart.
    if (reason === 'signal') this.disarmed = true;
    const wasOn = this.isOn;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.out.write(this.offLevel);
    if (wasOn) this.opts.log.warn(`relay forced off during a pulse (${reason})`);
  }
}
