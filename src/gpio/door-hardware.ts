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
import type { GpioBackend, OutputLine } from './backend.js';
import { ButtonInputs, type ButtonLine, type PressOutcome } from './buttons.js';
import type { ExitGuard } from './exit-guard.js';
import { Relay, type PulseOutcome } from './relay.js';

export type { PulseOutcome } from './relay.js';
export type { ButtonLine, PressOutcome } from './buttons.js';

export interface HardwareState {
  /** The first button's. */
  readonly button: 'none' | 'pressed' | 'released';
  readonly relay: 'none' | 'on' | 'off';
  readonly led: 'none' | 'on' | 'off';
}

/** What the daemon holds of GPIO whether or not the pins are open (GpioService). */
export interface DoorHardware {
  /**
   * Called once per debounced press, however much the contact bounces,
   * with the button's name ("button" for the one-button keys).
   * Returns the remover. A listener that throws is logged and the others
   * still run: a bug in one must not keep the door from ringing.
   */
  onPress(listener: (button: string) => void): () => void;
  /**
   * Presses a button in software (`name` undefined: the first): on the
   * simulator by moving its pin (with contact bounce), on real GPIO by
   * feeding the debouncer, so either way it is the path a finger takes.
   * Resolves once released.
   */
  press(name?: string): Promise<PressOutcome>;
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
  onPress?: (button: string) => void;
  /** The buttons (issue 15, config/buttons.ts); absent: the one of `button` / `button_active_low`, named "button". */
  buttons?: readonly ButtonLine[];
}

/** The one-button keys as a button list. */
export function singleButton(c: Pick<DoorHardwareConfig, 'button' | 'button_active_low'>): ButtonLine[] {
  return [{ name: 'button', line: c.button, active_low: c.button_active_low, single: true }];
}

/** The open pins behind DoorHardware; presses go to the one `onPress` given at construction. */
export class GpioDoorHardware implements Omit<DoorHardware, 'onPress'> {
  private readonly relay: Relay | undefined;
  private readonly led: OutputLine | undefined;
  private readonly buttons: ButtonInputs | undefined;
  private ledOn = false;
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
      const buttons = opts.buttons ?? singleButton(c);
      this.buttons = new ButtonInputs({ buttons, debounceMs: c.debounce_ms, backend, log, onPress: (name) => this.opts.onPress?.(name) });
    } catch (e) {
      this.relay?.close();
      throw e;
    }
    log.info(
      `${this.buttons.describe()}, debounce ${c.debounce_ms} ms; ` +
        `relay ${c.relay >= 0 ? `GPIO ${c.relay}${c.relay_active_low ? ' (active low)' : ''}, pulse ${c.relay_pulse_ms} ms` : 'none'}; ` +
        `led ${c.led >= 0 ? `GPIO ${c.led}` : 'none'}`,
    );
  }

  press(name?: string): Promise<PressOutcome> {
    return this.closed || !this.buttons ? Promise.resolve({ status: 'unavailable' }) : this.buttons.press(name);
  }

  get buttonNames(): string[] {
    return this.buttons?.names ?? [];
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
      button: Object.values(this.buttons?.state() ?? {})[0] ?? 'none',
      relay: this.relay ? (this.relay.isOn ? 'on' : 'off') : 'none',
      led: this.led ? (this.ledOn ? 'on' : 'off') : 'none',
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buttons?.close();
    if (this.led) {
      this.led.write(0);
      this.led.close();
    }
    this.relay?.close();
    this.opts.backend.close();
  }
}
