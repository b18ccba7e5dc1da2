/**
 * Three names, one concept at three levels:
 * - DoorHardware: what the daemon and control see of GPIO (a debounced
 *   button, a relay that pulses and always ends off, a LED). GpioService
 *   implements it, from construction on.
 * - GpioDoorHardware: the pins behind it while GPIO runs, built on any
 *   GpioBackend so the simulator and the real pins go through the same
 *   debounce and the same relay code. GpioService opens one at start and
 *   closes it at stop.
 * - GpioBackend (backend.ts): how a line is read and written (sim, onoff).
 */
import type { GpioConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { GpioBackend, InputLine, Level, OutputLine } from './backend.js';
import { Debouncer } from './debouncer.js';
import type { ExitGuard } from './exit-guard.js';
import { Relay, type PulseOutcome } from './relay.js';

export type { PulseOutcome } from './relay.js';

export type PressOutcome =
  | { readonly status: 'pressed' }
  /** `button = -1`. */
  | { readonly status: 'no-button' }
  /** GPIO not started, or closed. */
  | { readonly status: 'unavailable' };

export interface HardwareState {
  readonly button: 'none' | 'pressed' | 'released';
  readonly relay: 'none' | 'on' | 'off';
  readonly led: 'none' | 'on' | 'off';
}

/** What the daemon holds of GPIO whether or not the pins are open (GpioService). */
export interface DoorHardware {
  /**
   * Called once per debounced press, however much the contact bounces.
   * Returns the remover. A listener that throws is logged and the others
   * still run: a bug in one must not keep the door from ringing.
   */
  onPress(listener: () => void): () => void;
  /**
   * Presses the button in software: on the simulator by moving its pin
   * (with contact bounce), on real GPIO by feeding the debouncer, so either
   * way it is the path a finger takes. Resolves once released.
   */
  press(): Promise<PressOutcome>;
  pulseRelay(): PulseOutcome;
  /** The call LED; a no-op with `led = -1`. */
  setLed(on: boolean): void;
  state(): HardwareState;
  close(): void;
}

export type DoorHardwareConfig = Pick<
  GpioConfig,
  'button' | 'button_active_low' | 'debounce_ms' | 'relay' | 'relay_active_low' | 'relay_pulse_ms' | 'led'
>;

export interface DoorHardwareOptions {
  config: DoorHardwareConfig;
  backend: GpioBackend;
  log: Logger;
  /** The process hooks that switch the relay off; tests pass their own. */
  guard?: ExitGuard;
  /**
   * Called once per debounced press. One listener: GpioService hands its
   * fan-out here, so listeners outlive a stop and a start of the pins.
   */
  onPress?: () => void;
}

/** Bounces a simulated press makes on the way down and up, each shorter than any debounce time. */
const SIM_BOUNCES = 3;
const SIM_BOUNCE_MS = 1;
/** How long a simulated finger stays on the button once it has settled. */
const SIM_HOLD_MS = 100;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The open pins behind DoorHardware; presses go to the one `onPress` given at construction. */
export class GpioDoorHardware implements Omit<DoorHardware, 'onPress'> {
  private readonly relay: Relay | undefined;
  private readonly led: OutputLine | undefined;
  private readonly button: InputLine | undefined;
  private readonly debouncer: Debouncer | undefined;
  private ledOn = false;
  private pressing: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: DoorHardwareOptions) {
    const { config: c, backend, log } = opts;
    // The relay first: whatever a previous run left on the pin ends before anything else happens.
    this.relay =
      c.relay >= 0
        ? new Relay({ backend, line: c.relay, activeLow: c.relay_active_low, pulseMs: c.relay_pulse_ms, log: log.child('relay'), guard: opts.guard })
        : undefined;
    try {
      this.led = c.led >= 0 ? backend.openOutput(c.led, 0) : undefined;
      if (c.button >= 0) {
        this.button = backend.openInput(c.button, (level) => this.debouncer?.input(this.isActive(level)));
        this.debouncer = new Debouncer(c.debounce_ms, this.isActive(this.button.read()), (active) => {
          if (active) this.emitPress();
        });
      }
    } catch (e) {
      this.relay?.close();
      throw e;
    }
    log.info(
      `button ${c.button >= 0 ? `GPIO ${c.button}${c.button_active_low ? ' (active low)' : ''}, debounce ${c.debounce_ms} ms` : 'none'}; ` +
        `relay ${c.relay >= 0 ? `GPIO ${c.relay}${c.relay_active_low ? ' (active low)' : ''}, pulse ${c.relay_pulse_ms} ms` : 'none'}; ` +
        `led ${c.led >= 0 ? `GPIO ${c.led}` : 'none'}`,
    );
  }

  press(): Promise<PressOutcome> {
    // One simulated finger at a time: two overlapping presses would cancel each other's levels.
    const run = this.pressing.then(() => this.pressOnce());
    this.pressing = run.catch(() => {});
    return run;
  }

  pulseRelay(): PulseOutcome {
    if (this.closed) return { status: 'unavailable' };
    return this.relay ? this.relay.pulse() : { status: 'no-relay' };
  }

  setLed(on: boolean): void {
    if (this.closed || !this.led || on === this.ledOn) return;
    this.led.write(on ? 1 : 0);
    this.ledOn = on;
    this.opts.log.debug(`led ${on ? 'on' : 'off'}`);
  }

  state(): HardwareState {
    return {
      button: this.debouncer ? (this.debouncer.level ? 'pressed' : 'released') : 'none',
      relay: this.relay ? (this.relay.isOn ? 'on' : 'off') : 'none',
      led: this.led ? (this.ledOn ? 'on' : 'off') : 'none',
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.debouncer?.close();
    this.button?.close();
    if (this.led) {
      this.led.write(0);
      this.led.close();
    }
    this.relay?.close();
    this.opts.backend.close();
  }

  private isActive(level: Level): boolean {
    return this.opts.config.button_active_low ? level === 0 : level === 1;
  }

  private emitPress(): void {
    this.opts.log.info('button pressed');
    this.opts.onPress?.();
  }

  private async pressOnce(): Promise<PressOutcome> {
    const c = this.opts.config;
    if (this.closed) return { status: 'unavailable' };
    if (c.button < 0 || !this.debouncer) return { status: 'no-button' };
    const active: Level = c.button_active_low ? 0 : 1;
    const inactive: Level = active === 1 ? 0 : 1;
    const backend = this.opts.backend;
    const drive = (level: Level) => {
      if (this.closed) return;
      if (backend.simulateInput) backend.simulateInput(c.button, level);
      else this.debouncer?.input(this.isActive(level));
    };
    // Without debounce every bounce would count, as configured; a simulated press is a good contact then.
    const bounces = c.debounce_ms > 0 ? SIM_BOUNCES : 0;
    const edge = async (to: Level, from: Level) => {
      for (let i = 0; i < bounces; i++) {
        drive(to);
        await sleep(SIM_BOUNCE_MS);
        drive(from);
        await sleep(SIM_BOUNCE_MS);
      }
      drive(to);
    };
    await edge(active, inactive);
    await sleep(c.debounce_ms + SIM_HOLD_MS);
    await edge(inactive, active);
    await sleep(c.debounce_ms + 1);
    return this.closed ? { status: 'unavailable' } : { status: 'pressed' };
  }
}
