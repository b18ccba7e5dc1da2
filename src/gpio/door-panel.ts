/**
 * The door panel's parts beside the call button and the LED (issue 15):
 * the relays by name, the exit button (request to exit) and the door
 * contact. It lives as long as GpioService; its lines are opened on the
 * service's backend at start (relays first, so whatever a previous run
 * left on ends before anything else) and closed at stop, while listeners
 * stay registered across both.
 *
 * Policy is not here: what the exit button opens and whether an opening
 * door was forced is decided in door/ (daemon.ts wires the exit button to
 * the opener, door/door-contact-monitor.ts watches the contact).
 */
import type { DoorContactConfig, ExitButtonConfig } from '../config/schema.js';
import type { RelaySpec } from '../config/relays.js';
import type { Logger } from '../log/logger.js';
import type { GpioBackend, Level } from './backend.js';
import type { ExitGuard } from './exit-guard.js';
import type { LineRole } from './gpio-errors.js';
import { Listeners } from './listeners.js';
import { PanelInput } from './panel-input.js';
import { RelayBank } from './relay-bank.js';
import type { PulseOutcome } from './relay.js';

export interface DoorPanelConfig {
  relays: readonly RelaySpec[];
  exitButton: Pick<ExitButtonConfig, 'line' | 'active_low'>;
  doorContact: Pick<DoorContactConfig, 'line' | 'open_level'>;
  debounceMs: number;
}

export type ExitPressOutcome = { readonly status: 'pressed' } | { readonly status: 'no-exit-button' } | { readonly status: 'unavailable' };
export type ContactOutcome =
  | { readonly status: 'ok' }
  | { readonly status: 'no-door-contact' }
  /** Only the simulator's door can be moved from software: faking a real sensor would hide a real door. */
  | { readonly status: 'not-simulated' }
  | { readonly status: 'unavailable' };

export interface PanelState {
  readonly relays: Readonly<Record<string, 'none' | 'on' | 'off'>>;
  readonly exitButton: 'none' | 'pressed' | 'released';
  readonly doorContact: 'none' | 'open' | 'closed';
}

/** How long a simulated finger stays on the exit button once it has settled. */
const SIM_HOLD_MS = 100;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class DoorPanel {
  private bank: RelayBank | undefined;
  private exit: PanelInput | undefined;
  private contact: PanelInput | undefined;
  private simulated = false;
  private pressing: Promise<unknown> = Promise.resolve();
  private readonly exitListeners: Listeners<[]>;
  private readonly contactListeners: Listeners<[open: boolean]>;
  private readonly pulseListeners: Listeners<[relay: string, ms: number]>;

  constructor(
    readonly config: DoorPanelConfig,
    private readonly log: Logger,
    private readonly guard?: ExitGuard,
  ) {
    this.exitListeners = new Listeners(log, 'exit button');
    this.contactListeners = new Listeners(log, 'door contact');
    this.pulseListeners = new Listeners(log, 'relay pulse');
  }

  get relayNames(): string[] {
    return this.config.relays.map((r) => r.name);
  }

  /** Opens the panel's lines on `backend`: relays first. Throws (with the lines already opened closed) if a line cannot be opened. */
  open(backend: GpioBackend): void {
    const c = this.config;
    this.bank = new RelayBank({ relays: c.relays, backend, log: this.log, guard: this.guard, onPulse: (relay, ms) => this.pulseListeners.emit(relay, ms) });
    try {
      if (c.exitButton.line >= 0) {
        this.exit = new PanelInput({
          backend,
          line: c.exitButton.line,
          activeLevel: c.exitButton.active_low ? 0 : 1,
          debounceMs: c.debounceMs,
          onChange: (pressed) => {
            if (!pressed) return;
            this.log.info('exit button pressed');
            this.exitListeners.emit();
          },
        });
      }
      if (c.doorContact.line >= 0) {
        this.contact = new PanelInput({
          backend,
          line: c.doorContact.line,
          activeLevel: c.doorContact.open_level === 'high' ? 1 : 0,
          debounceMs: c.debounceMs,
          onChange: (open) => {
            // debug: the door-state event is logged too, and a flapping contact would write this line per change.
            this.log.debug(`door ${open ? 'open' : 'closed'}`);
            this.contactListeners.emit(open);
          },
        });
      }
    } catch (e) {
      this.close();
      throw e;
    }
    this.simulated = backend.kind === 'sim';
    const wired = (line: number) => (line >= 0 ? `GPIO ${line}` : 'none');
    this.log.info(
      `relays ${c.relays.map((r) => `${r.name} ${wired(r.line)}${r.line >= 0 && r.activeLow ? ' (active low)' : ''}${r.line >= 0 ? ` ${r.pulseMs} ms` : ''}`).join(', ')}; ` +
        `exit button ${wired(c.exitButton.line)}; door contact ${wired(c.doorContact.line)}` +
        `${this.contact ? ` (${this.contact.active ? 'open' : 'closed'})` : ''}`,
    );
  }

  close(): void {
    this.exit?.close();
    this.contact?.close();
    this.bank?.close();
    this.exit = this.contact = this.bank = undefined;
  }

  /** Physical levels of the inputs at rest, for the simulator: exit button released, door closed. */
  restLevels(): Record<number, Level> {
    const { exitButton: e, doorContact: d } = this.config;
    const out: Record<number, Level> = {};
    if (e.line >= 0) out[e.line] = e.active_low ? 1 : 0;
    if (d.line >= 0) out[d.line] = d.open_level === 'high' ? 0 : 1;
    return out;
  }

  /** Each line's role, for onoff's error messages. */
  roles(): Record<number, LineRole> {
    const out: Record<number, LineRole> = {};
    for (const r of this.config.relays) if (r.line >= 0) out[r.line] = 'relay';
    if (this.config.exitButton.line >= 0) out[this.config.exitButton.line] = 'exit-button';
    if (this.config.doorContact.line >= 0) out[this.config.doorContact.line] = 'door-contact';
    return out;
  }

  /** `name` undefined: the first relay. */
  pulse(name?: string): PulseOutcome {
    return this.bank ? this.bank.pulse(name) : { status: 'unavailable' };
  }

  onExit(listener: () => void): () => void {
    return this.exitListeners.add(listener);
  }

  /** Every debounced change of the door contact: true = open. */
  onContact(listener: (open: boolean) => void): () => void {
    return this.contactListeners.add(listener);
  }

  /** Every pulse that starts, by relay name. */
  onRelayPulse(listener: (relay: string, ms: number) => void): () => void {
    return this.pulseListeners.add(listener);
  }

  /** The exit button pressed in software, debounce and all; resolves once released. Both backends. */
  pressExit(): Promise<ExitPressOutcome> {
    const run = this.pressing.then(async (): Promise<ExitPressOutcome> => {
      const input = this.exit;
      if (!this.bank) return { status: 'unavailable' };
      if (!input) return { status: 'no-exit-button' };
      await input.simulate(true);
      await sleep(SIM_HOLD_MS);
      await input.simulate(false);
      return this.bank ? { status: 'pressed' } : { status: 'unavailable' };
    });
    this.pressing = run.catch(() => {});
    return run;
  }

  /** Opens or closes the simulated door; resolves once the contact has settled. */
  async setDoorContact(open: boolean): Promise<ContactOutcome> {
    const input = this.contact;
    if (!this.bank) return { status: 'unavailable' };
    if (!input) return { status: 'no-door-contact' };
    if (!this.simulated) return { status: 'not-simulated' };
    await input.simulate(open);
    return { status: 'ok' };
  }

  /** The door contact now: undefined when none is wired or GPIO is not running. */
  get doorOpen(): boolean | undefined {
    return this.contact?.active;
  }

  state(): PanelState {
    return {
      relays: this.bank?.state() ?? Object.fromEntries(this.relayNames.map((n) => [n, 'none' as const])),
      exitButton: this.exit ? (this.exit.active ? 'pressed' : 'released') : 'none',
      doorContact: this.contact ? (this.contact.active ? 'open' : 'closed') : 'none',
    };
  }
}
