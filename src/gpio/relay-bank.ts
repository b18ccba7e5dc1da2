/**
 * The door's relays by name (issue 15: door and gate, each with its line,
 * polarity and pulse). Each is a Relay (relay.ts), so each keeps the
 * guarantees of one: opened at its off level, pulses never extended, off
 * at any exit through the shared exit guard, latched off after a stop
 * signal. The bank only adds names and tells who pulsed.
 */
import type { RelaySpec } from '../config/relays.js';
import type { Logger } from '../log/logger.js';
import type { GpioBackend } from './backend.js';
import type { ExitGuard } from './exit-guard.js';
import { Relay, type PulseOutcome } from './relay.js';

export interface RelayBankOptions {
  relays: readonly RelaySpec[];
  backend: GpioBackend;
  log: Logger;
  guard?: ExitGuard;
  /** A pulse started on `relay` (not for one left running): the door contact's "opened by us" window. */
  onPulse?: (relay: string, ms: number) => void;
}

export class RelayBank {
  /** In config order; a relay with line -1 is listed without a Relay. */
  private readonly relays = new Map<string, Relay | undefined>();

  /** Opens every wired relay at its off level, first thing; a failure closes those already open. */
  constructor(private readonly opts: RelayBankOptions) {
    try {
      for (const r of opts.relays) {
        const relay =
          r.line >= 0
            ? new Relay({ backend: opts.backend, line: r.line, activeLow: r.activeLow, pulseMs: r.pulseMs, log: opts.log.child(`relay.${r.name}`), guard: opts.guard })
            : undefined;
        this.relays.set(r.name, relay);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  get names(): string[] {
    return [...this.relays.keys()];
  }

  /** `name` undefined: the first relay. An unknown name is no relay. */
  pulse(name?: string): PulseOutcome {
    const key = name ?? this.names[0];
    const relay = key === undefined ? undefined : this.relays.get(key);
    if (!relay) return { status: 'no-relay' };
    const r = relay.pulse();
    if (r.status === 'started') this.opts.onPulse?.(key!, r.ms);
    return r;
  }

  /** Each relay: on, off, or none (not wired). */
  state(): Record<string, 'none' | 'on' | 'off'> {
    return Object.fromEntries([...this.relays].map(([name, r]) => [name, r ? (r.isOn ? 'on' : 'off') : 'none']));
  }

  close(): void {
    for (const r of this.relays.values()) r?.close();
  }
}
