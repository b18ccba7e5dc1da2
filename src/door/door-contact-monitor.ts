/**
 * What the door contact means (issue 15): the door's state, an alarm when
 * it stands open too long, and an alarm when it opens without having been
 * let open.
 *
 * - `state`: every debounced change, open or closed.
 * - `held-open`: the door has stood open `held_open_s` (once per opening;
 *   0 turns it off).
 * - `forced`: the door opened while its relay (`door_contact.relay`) had
 *   not pulsed within the last pulse length plus FORCED_GRACE_MS. The grace
 *   covers the visitor who pushes the door a moment after the strike has
 *   let go (a strike releases the latch while energised; the door may be
 *   pushed open only as it ends). A door opened with a mechanical key, or
 *   by someone leaving without the exit button, is "forced" too: that is
 *   what the alarm is for, and why the exit button exists.
 *
 * The pulse window is kept with a timer (monotonic), not the wall clock: a
 * Pi without a battery-backed clock jumps by years when NTP first answers.
 */
import type { DoorContactConfig } from '../config/schema.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import type { Logger } from '../log/logger.js';
import { SummaryLog } from '../log/summary-log.js';

/** How long after its pulse ends a relay still counts as having let the door open. */
export const FORCED_GRACE_MS = 5000;

export type DoorContactEvents = {
  state: [{ open: boolean }];
  'held-open': [{ seconds: number }];
  forced: [];
};

/** The GPIO panel, as far as the contact needs it (gpio/door-panel.ts). */
export interface ContactSource {
  onContact(listener: (open: boolean) => void): () => void;
  onRelayPulse(listener: (relay: string, ms: number) => void): () => void;
}

export interface DoorContactMonitorOptions {
  config: Pick<DoorContactConfig, 'line' | 'relay' | 'held_open_s'>;
  panel: ContactSource;
  log: Logger;
}

export class DoorContactMonitor extends TypedEmitter<DoorContactEvents> {
  readonly name = 'door-contact';
  /** Set while a pulse of our relay, or its grace, runs. */
  private letOpen: NodeJS.Timeout | undefined;
  private heldTimer: NodeJS.Timeout | undefined;
  private readonly removers: Array<() => void> = [];
  /** A contact that flaps (a loose magnet, a broken wire) must not flood the journal; every event is still published. */
  private readonly forcedLog: SummaryLog;

  constructor(private readonly opts: DoorContactMonitorOptions) {
    super();
    this.forcedLog = new SummaryLog(opts.log, 'forced openings');
    if (opts.config.line < 0) return;
    this.removers.push(
      opts.panel.onRelayPulse((relay, ms) => {
        if (relay !== opts.config.relay) return;
        if (this.letOpen) clearTimeout(this.letOpen);
        this.letOpen = setTimeout(() => (this.letOpen = undefined), ms + FORCED_GRACE_MS);
        this.letOpen.unref();
      }),
      opts.panel.onContact((open) => (open ? this.opened() : this.closed())),
    );
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    for (const r of this.removers.splice(0)) r();
    if (this.letOpen) clearTimeout(this.letOpen);
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.letOpen = this.heldTimer = undefined;
    this.forcedLog.dispose();
  }

  private opened(): void {
    const { config, log } = this.opts;
    this.emit('state', { open: true });
    if (!this.letOpen) {
      this.forcedLog.note(`door forced: it opened with no pulse of relay "${config.relay}" (during its pulse or up to ${FORCED_GRACE_MS / 1000} s after)`);
      this.emit('forced');
    }
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    if (config.held_open_s > 0) {
      this.heldTimer = setTimeout(() => {
        this.heldTimer = undefined;
        log.warn(`door held open for ${config.held_open_s} s`);
        this.emit('held-open', { seconds: config.held_open_s });
      }, config.held_open_s * 1000);
      this.heldTimer.unref();
    }
  }

  private closed(): void {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    this.emit('state', { open: false });
  }
}
