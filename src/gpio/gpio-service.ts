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
import { Listeners } from './listeners.js';
import { DoorPanel, type DoorPanelConfig } from './door-panel.js';
import { DEFAULT_RELAY } from '../config/relays.js';


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
  /** Relays, exit button, door contact (issue 15); without it, the one relay of `config` named "door" and no inputs. */
  panel?: Omit<DoorPanelConfig, 'debounceMs'>;
}

export class GpioService implements DoorHardware {
  readonly name = 'gpio';
  private hardware: GpioDoorHardware | undefined;
  private current: GpioBackend | undefined;
  private readonly listeners: Listeners<[button: string]>;
  /** Relays, exit button and door contact; its listeners (onExit, onContact, onRelayPulse) outlive stop and start. */
  readonly panel: DoorPanel;

  constructor(private readonly opts: GpioServiceOptions) {
    const c = opts.config;
    const panel = opts.panel ?? {
      relays: [{ name: DEFAULT_RELAY, line: c.relay, activeLow: c.relay_active_low, pulseMs: c.relay_pulse_ms, openCodes: [] }],
      exitButton: { line: -1, active_low: true },
      doorContact: { line: -1, open_level: 'high' as const },
    };
    this.listeners = new Listeners(opts.log, (button) => `button ${button}: press`);
    this.panel = new DoorPanel({ ...panel, debounceMs: c.debounce_ms }, opts.log, opts.guard);
  }

  /** The backend in use while started; tests read the simulator's state through it. */
  get backend(): GpioBackend | undefined {
    return this.current;
  }

  async start(): Promise<void> {
    if (this.hardware) return;
    const { config, log } = this.opts;
    const backend = await this.openBackend();
    try {
      // The panel's relays first (they end whatever a previous run left on); the relays are the panel's, not the button hardware's.
      this.panel.open(backend);
      this.hardware = new GpioDoorHardware({ config, backend, log, buttons: this.buttons, onPress: (name) => this.listeners.emit(name) });
    } catch (e) {
      this.panel.close();
      backend.close();
      throw e;
    }
    this.current = backend;
  }

  async stop(): Promise<void> {
    this.close();
  }

  onPress(listener: (button: string) => void): () => void {
    return this.listeners.add(listener);
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

  /** `name` undefined: the first relay. */
  pulseRelay(name?: string): PulseOutcome {
    return this.hardware ? this.panel.pulse(name) : { status: 'unavailable' };
  }

  setLed(on: boolean): void {
    this.hardware?.setLed(on);
  }

  state(): HardwareState {
    if (!this.hardware) return { button: 'none', relay: 'none', led: 'none' };
    return { ...this.hardware.state(), relay: Object.values(this.panel.state().relays)[0] ?? 'none' };
  }

  close(): void {
    this.panel.close();
    this.hardware?.close();
    this.hardware = undefined;
    this.current = undefined;
  }

  private async openBackend(): Promise<GpioBackend> {
    const { config: c, log } = this.opts;
    if (c.backend === 'sim') {
      // The simulated button starts released whichever way it is wired.
      const buttons = Object.fromEntries(this.buttons.filter((b) => b.line >= 0).map((b) => [b.line, b.active_low ? 1 : 0] as const));
      const inputs = { ...this.panel.restLevels(), ...buttons };
      return new SimBackend({ inputs, levelDir: simLevelDir(), ...this.opts.sim, log: log.child('sim') });
    }
    const roles: Record<number, LineRole> = this.panel.roles();
    for (const b of this.buttons) if (b.line >= 0) roles[b.line] = 'button';
    if (c.led >= 0) roles[c.led] = 'led';
    return openOnoffBackend({ ...this.opts.onoff, log, roles });
  }
}
