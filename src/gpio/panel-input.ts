/**
 * One debounced input of the door panel (issue 15): each call button
 * (buttons.ts), the exit button (request to exit) and the door contact.
 * A trailing debounce (debouncer.ts), so a contact that
 * chatters as the door swings, or a spike on a long cable, makes no event.
 *
 * `simulate` moves the input in software the way a finger or a door would,
 * with contact bounce: on the simulator by moving its pin, elsewhere by
 * feeding the debouncer (what the `press-exit` and `door-contact` control
 * commands use).
 */
import type { GpioBackend, InputLine, Level } from './backend.js';
import { Debouncer } from './debouncer.js';

export interface PanelInputOptions {
  backend: GpioBackend;
  /** BCM line; -1: none, `simulate` alone moves it (a `[[buttons]]` button without a line). */
  line: number;
  /** The physical level that means "active": pressed, or door open. */
  activeLevel: Level;
  debounceMs: number;
  /** Every settled change, never twice the same. */
  onChange: (active: boolean) => void;
}

/** Bounces a simulated edge makes, each shorter than any debounce time. */
const SIM_BOUNCES = 3;
const SIM_BOUNCE_MS = 1;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class PanelInput {
  private readonly input: InputLine | undefined;
  private readonly debouncer: Debouncer;
  private closed = false;

  constructor(private readonly opts: PanelInputOptions) {
    this.input = opts.line >= 0 ? opts.backend.openInput(opts.line, (level) => this.debouncer.input(level === opts.activeLevel)) : undefined;
    // The level at start is the state, not a change: a door open while the daemon starts is not "just opened".
    this.debouncer = new Debouncer(opts.debounceMs, this.input?.read() === opts.activeLevel, (active) => opts.onChange(active));
  }

  /** The settled state: pressed, or door open. */
  get active(): boolean {
    return this.debouncer.level;
  }

  /** Moves the input to `active` with contact bounce; resolves once the debounced level has settled. */
  async simulate(active: boolean): Promise<void> {
    const { backend, line, activeLevel, debounceMs } = this.opts;
    const level = (a: boolean): Level => (a ? activeLevel : activeLevel === 1 ? 0 : 1);
    const drive = (a: boolean) => {
      if (this.closed) return;
      if (backend.simulateInput && this.input) backend.simulateInput(line, level(a));
      else this.debouncer.input(a);
    };
    // Without debounce every bounce would count, as configured: a simulated contact is a clean one then.
    for (let i = 0; i < (debounceMs > 0 ? SIM_BOUNCES : 0); i++) {
      drive(active);
      await sleep(SIM_BOUNCE_MS);
      drive(!active);
      await sleep(SIM_BOUNCE_MS);
    }
    drive(active);
    await sleep(debounceMs + 1);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.debouncer.close();
    this.input?.close();
  }
}
