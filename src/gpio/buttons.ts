/**
 * The door's buttons (issue 15: any number, each with its name, line and
 * polarity), each debounced on its own, and `press NAME` in software. The
 * one-button keys are the single button named "button"
 * (config/buttons.ts). A button of `[[buttons]]` without a line (-1) still
 * exists for `press NAME`, which then feeds its debouncer directly.
 */
import type { EffectiveButton } from '../config/buttons.js';
import type { Logger } from '../log/logger.js';
import type { GpioBackend, InputLine, Level } from './backend.js';
import { Debouncer } from './debouncer.js';

export type ButtonLine = Pick<EffectiveButton, 'name' | 'line' | 'active_low' | 'single'>;

export type PressOutcome =
  | { readonly status: 'pressed' }
  /** `button = -1` (the one-button keys). */
  | { readonly status: 'no-button' }
  /** `press NAME` with a name no button has. */
  | { readonly status: 'unknown-button'; readonly names: readonly string[] }
  /** GPIO not started, or closed. */
  | { readonly status: 'unavailable' };

/** Bounces a simulated press makes on the way down and up, each shorter than any debounce time. */
const SIM_BOUNCES = 3;
const SIM_BOUNCE_MS = 1;
/** How long a simulated finger stays on the button once it has settled. */
const SIM_HOLD_MS = 100;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface OpenButton {
  spec: ButtonLine;
  input: InputLine | undefined;
  debouncer: Debouncer | undefined;
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
    return Object.fromEntries(this.open.map((b) => [b.spec.name, b.debouncer ? (b.debouncer.level ? 'pressed' : 'released') : 'none']));
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
    for (const b of this.open) {
      b.debouncer?.close();
      b.input?.close();
    }
  }

  private openButton(spec: ButtonLine): OpenButton {
    const isActive = (level: Level) => (spec.active_low ? level === 0 : level === 1);
    const b: OpenButton = { spec, input: undefined, debouncer: undefined };
    const onStable = (active: boolean) => {
      if (!active) return;
      this.opts.log.info(`button ${spec.name} pressed`);
      this.opts.onPress(spec.name);
    };
    if (spec.line >= 0) {
      b.input = this.opts.backend.openInput(spec.line, (level) => b.debouncer?.input(isActive(level)));
      b.debouncer = new Debouncer(this.opts.debounceMs, isActive(b.input.read()), onStable);
    } else if (!spec.single) {
      b.debouncer = new Debouncer(this.opts.debounceMs, false, onStable);
    }
    return b;
  }

  private async pressOnce(b: OpenButton): Promise<PressOutcome> {
    if (this.closed) return { status: 'unavailable' };
    if (!b.debouncer) return { status: 'no-button' };
    const { spec } = b;
    const ms = this.opts.debounceMs;
    const active: Level = spec.active_low ? 0 : 1;
    const inactive: Level = active === 1 ? 0 : 1;
    const backend = this.opts.backend;
    const drive = (level: Level) => {
      if (this.closed) return;
      if (backend.simulateInput && b.input) backend.simulateInput(spec.line, level);
      else b.debouncer?.input(level === active);
    };
    // Without debounce every bounce would count, as configured; a simulated press is a good contact then.
    const bounces = ms > 0 ? SIM_BOUNCES : 0;
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
    await sleep(ms + SIM_HOLD_MS);
    await edge(inactive, active);
    await sleep(ms + 1);
    return this.closed ? { status: 'unavailable' } : { status: 'pressed' };
  }
}
