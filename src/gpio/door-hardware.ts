/**
 * Three names, one concept at three levels:
 * - DoorHardware: what the daemon and control see of GPIO (debounced
 *   buttons, relays that pulse and always end off, a LED). GpioService
 *   implements it, from construction on.
 * - GpioDoorHardware: the button and LED pins behind it while GPIO runs,
 *   built on any GpioBackend so the simulator and the real pins go through
 *   the same debounce. The relays are not here: they are the door panel's
 *   (door-panel.ts, relay-bank.ts), which GpioService opens first on the
 *   same backend. GpioService opens one at start and closes it at stop.
 * - GpioBackend (backend.ts): how a line is read and written (sim, onoff).
 */
import type { GpioConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { GpioBackend, OutputLine } from './backend.js';
import { ButtonInputs, type ButtonLine, type PressOutcome } from './buttons.js';
import type { PulseOutcome } from './relay.js';

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

export type DoorHardwareConfig = Pick<GpioConfig, 'button' | 'button_active_low' | 'debounce_ms' | 'led'>;

export interface DoorHardwareOptions {
  config: DoorHardwareConfig;
  backend: GpioBackend;
  log: Logger;
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

/** The button and LED pins behind DoorHardware; presses go to the one `onPress` given at construction. */
export class GpioDoorHardware implements Omit<DoorHardware, 'onPress' | 'pulseRelay' | 'state'> {
  private readonly led: OutputLine | undefined;
  private readonly buttons: ButtonInputs | undefined;
  private ledOn = false;
  private closed = false;

  constructor(private readonly opts: DoorHardwareOptions) {
    const { config: c, backend, log } = opts;
    this.led = c.led >= 0 ? backend.openOutput(c.led, 0) : undefined;
    const buttons = opts.buttons ?? singleButton(c);
    this.buttons = new ButtonInputs({ buttons, debounceMs: c.debounce_ms, backend, log, onPress: (name) => this.opts.onPress?.(name) });
    // The relays are logged by the door panel.
    log.info(`${this.buttons.describe()}, debounce ${c.debounce_ms} ms; led ${c.led >= 0 ? `GPIO ${c.led}` : 'none'}`);
  }

  press(name?: string): Promise<PressOutcome> {
    return this.closed || !this.buttons ? Promise.resolve({ status: 'unavailable' }) : this.buttons.press(name);
  }

  get buttonNames(): string[] {
    return this.buttons?.names ?? [];
  }

  setLed(on: boolean): void {
    if (this.closed || !this.led || on === this.ledOn) return;
    this.led.write(on ? 1 : 0);
    this.ledOn = on;
    this.opts.log.debug(`led ${on ? 'on' : 'off'}`);
  }

  /** The relay's part of HardwareState is the panel's (GpioService composes both). */
  state(): Omit<HardwareState, 'relay'> {
    return {
      button: Object.values(this.buttons?.state() ?? {})[0] ?? 'none',
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
    this.opts.backend.close();
  }
}
