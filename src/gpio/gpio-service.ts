/**
 * GPIO as a daemon part (the daemon's `Service` shape: name, start, stop),
 * and the DoorHardware the rest of the daemon holds from construction on:
 * calls made before start or after stop answer "unavailable" instead of
 * failing, so the door layer can be wired before the pins are open. The
 * pins themselves are a GpioDoorHardware, opened at start and closed at
 * stop; its presses come here, and this is the one fan-out to listeners
 * (control's button-pressed event, the ring).
 */
import type { GpioConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { GpioBackend } from './backend.js';
import { GpioDoorHardware, singleButton, type ButtonLine, type DoorHardware, type HardwareState, type PressOutcome } from './door-hardware.js';
import type { ExitGuard } from './exit-guard.js';
import type { LineRole } from './gpio-errors.js';
import { openOnoffBackend, type OnoffBackendOptions } from './onoff-backend.js';
import type { PulseOutcome } from './relay.js';
import { SimBackend, simLevelDir, type SimBackendOptions } from './sim-backend.js';
import { errorDetail } from '../log/error-message.js';


export interface GpioServiceOptions {
  config: GpioConfig;
  log: Logger;
  /** Extra simulator options (levelDir); used when `config.backend` is "sim". */
  sim?: Omit<SimBackendOptions, 'log'>;
  /** Extra onoff options (sysfsRoot, gpioClass); used when `config.backend` is "onoff". */
  onoff?: Omit<OnoffBackendOptions, 'log' | 'roles'>;
  guard?: ExitGuard;
  /** The buttons (issue 15, config/buttons.ts effectiveButtons); absent: gpio.button, named "button". */
  buttons?: readonly ButtonLine[];
}

export class GpioService implements DoorHardware {
  readonly name = 'gpio';
  private hardware: GpioDoorHardware | undefined;
  private current: GpioBackend | undefined;
  private readonly listeners = new Set<(button: string) => void>();

  constructor(private readonly opts: GpioServiceOptions) {}

  /** The backend in use while started; tests read the simulator's state through it. */
  get backend(): GpioBackend | undefined {
    return this.current;
  }

  async start(): Promise<void> {
    if (this.hardware) return;
    const { config, log } = this.opts;
    const backend = await this.openBackend();
    try {
      this.hardware = new GpioDoorHardware({ config, backend, log, guard: this.opts.guard, buttons: this.buttons, onPress: (name) => this.pressed(name) });
    } catch (e) {
      backend.close();
      throw e;
    }
    this.current = backend;
  }

  async stop(): Promise<void> {
    this.close();
  }

  onPress(listener: (button: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  press(name?: string): Promise<PressOutcome> {
    return this.hardware ? this.hardware.press(name) : Promise.resolve({ status: 'unavailable' });
  }

  /** The buttons' names, in config order, whether or not GPIO runs. */
  get buttonNames(): string[] {
    return this.buttons.map((b) => b.name);
  }

  private get buttons(): readonly ButtonLine[] {
    return this.opts.buttons ?? singleButton(this.opts.config);
  }

  pulseRelay(): PulseOutcome {
    return this.hardware ? this.hardware.pulseRelay() : { status: 'unavailable' };
  }

  setLed(on: boolean): void {
    this.hardware?.setLed(on);
  }

  state(): HardwareState {
    return this.hardware ? this.hardware.state() : { button: 'none', relay: 'none', led: 'none' };
  }

  close(): void {
    this.hardware?.close();
    this.hardware = undefined;
    this.current = undefined;
  }

  private pressed(button: string): void {
    for (const l of [...this.listeners]) {
      try {
        l(button);
      } catch (e) {
        this.opts.log.error(`button ${button}: press handler failed: ${errorDetail(e)}`);
      }
    }
  }

  private async openBackend(): Promise<GpioBackend> {
    const { config: c, log } = this.opts;
    if (c.backend === 'sim') {
      // The simulated button starts released whichever way it is wired.
      const inputs = Object.fromEntries(this.buttons.filter((b) => b.line >= 0).map((b) => [b.line, b.active_low ? 1 : 0] as const));
      return new SimBackend({ inputs, levelDir: simLevelDir(), ...this.opts.sim, log: log.child('sim') });
    }
    const roles: Record<number, LineRole> = {};
    for (const b of this.buttons) if (b.line >= 0) roles[b.line] = 'button';
    if (c.relay >= 0) roles[c.relay] = 'relay';
    if (c.led >= 0) roles[c.led] = 'led';
    return openOnoffBackend({ ...this.opts.onoff, log, roles });
  }
}
