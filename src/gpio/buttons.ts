/**
 * The door's buttons (issue 15: any number, each with its name, line and
 * polarity), each debounced on its own, and `press NAME` in software. The
 * one-button keys are the single button named "button"
 * (config/buttons.ts). A button of `[[buttons]]` without a line (-1) still
 * exists for `press NAME`, which then feeds its debouncer directly.
 */
import type { EffectiveButton } from '../config/buttons.js';
import type { Logger } from '../log/logger.js';
import type { GpioBackend } from './backend.js';
import { PanelInput } from './panel-input.js';

export type ButtonLine = Pick<EffectiveButton, 'name' | 'line' | 'active_low' | 'single'>;

export type PressOutcome =
  | { readonly status: 'pressed' }
  /** `button = -1` (the one-button keys). */
  | { readonly status: 'no-button' }
  /** `press NAME` with a name no button has. */
  | { readonly status: 'unknown-button'; readonly names: readonly string[] }
  /** GPIO not started, or closed. */
  | { readonly status: 'unavailable' };

/** How long a simulated finger stays on the button once it has settled. */
const SIM_HOLD_MS = 100;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface OpenButton {
  spec: ButtonLine;
  /** Undefined: the one-button keys with `button = -1`. */
  input: PanelInput | undefined;
}

export interface ButtonInputsOptions {
  buttons: readonly ButtonLine[];
  debounceMs: number;
  backend: GpioBackend;
  log: Logger;
  /** Once per debounced press, with the button's name. */
  onPress(button: string): void;
}

export class ButtonInputs {
  private readonly open: OpenButton[] = [];
  private pressing: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: ButtonInputsOptions) {
    try {
      for (const spec of opts.buttons) this.open.push(this.openButton(spec));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  get names(): string[] {
    return this.open.map((b) => b.spec.name);
  }

  /** For the start-up log line: `button GPIO 17 (active low)`, `flat-1 GPIO 5, flat-2 none`. */
  describe(): string {
    return this.open
      .map(({ spec: b }) => `${b.single ? 'button' : b.name} ${b.line >= 0 ? `GPIO ${b.line}${b.active_low ? ' (active low)' : ''}` : 'none'}`)
      .join(', ');
  }

  /** The first button's state (HardwareState.button); every button's by name. */
  state(): Record<string, 'none' | 'pressed' | 'released'> {
    return Object.fromEntries(this.open.map((b) => [b.spec.name, b.input ? (b.input.active ? 'pressed' : 'released') : 'none']));
  }

  /** `name` undefined: the first button (what `press` alone has always meant). */
  press(name?: string): Promise<PressOutcome> {
    const button = name === undefined ? this.open[0] : this.open.find((b) => b.spec.name === name);
    if (!button) return Promise.resolve(name === undefined ? { status: 'no-button' } : { status: 'unknown-button', names: this.names });
    // One simulated finger at a time: two overlapping presses would cancel each other's levels.
    const run = this.pressing.then(() => this.pressOnce(button));
    this.pressing = run.catch(() => {});
    return run;
  }

  close(): void {
    this.closed = true;
    for (const b of this.open) b.input?.close();
  }

  private openButton(spec: ButtonLine): OpenButton {
    if (spec.line < 0 && spec.single) return { spec, input: undefined };
    const { backend, debounceMs } = this.opts;
    const onChange = (active: boolean) => {
      if (!active) return;
      this.opts.log.info(`button ${spec.name} pressed`);
      this.opts.onPress(spec.name);
    };
    return { spec, input: new PanelInput({ backend, line: spec.line, activeLevel: spec.active_low ? 0 : 1, debounceMs, onChange }) };
  }

  private async pressOnce(b: OpenButton): Promise<PressOutcome> {
    if (this.closed) return { status: 'unavailable' };
    if (!b.input) return { status: 'no-button' };
    await b.input.simulate(true);
    await sleep(SIM_HOLD_MS);
    await b.input.simulate(false);
    return this.closed ? { status: 'unavailable' } : { status: 'pressed' };
  }
}
