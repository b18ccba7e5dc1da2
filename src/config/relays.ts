/**
 * The relays a config wires, in one form whichever way it is written:
 * `[[relays]]` tables, or (none given) the single relay of today's keys,
 * `gpio.relay`, `gpio.relay_active_low`, `gpio.relay_pulse_ms` and
 * `door.open_code`, named "door" (issue 15). The first relay is the one
 * `open-door` without a name opens.
 */
import type { Config } from './schema.js';

export interface RelaySpec {
  readonly name: string;
  /** BCM line; -1 = not wired (opening it is refused with no-relay). */
  readonly line: number;
  readonly activeLow: boolean;
  readonly pulseMs: number;
  /** Secrets: never logged (config/load.ts secretValues). */
  readonly openCodes: readonly string[];
}

/** The name of the relay of the single-relay keys. */
export const DEFAULT_RELAY = 'door';

export function relaySpecs(config: Pick<Config, 'relays' | 'gpio' | 'door'>): RelaySpec[] {
  if (config.relays.length > 0) {
    return config.relays.map((r) => ({ name: r.name, line: r.line, activeLow: r.active_low, pulseMs: r.pulse_ms, openCodes: [...r.open_codes] }));
  }
  const g = config.gpio;
  const code = config.door.open_code;
  return [{ name: DEFAULT_RELAY, line: g.relay, activeLow: g.relay_active_low, pulseMs: g.relay_pulse_ms, openCodes: code ? [code] : [] }];
}
