/**
 * The relay's line and polarity, read before (and whatever the outcome of)
 * config validation, so a start that fails later (a typo elsewhere in the
 * file, an unreadable TLS key, a missing camera) still drives the relay
 * off first: after a SIGKILL during a pulse, sysfs holds the line on until
 * someone writes it off (issue 12 row 8).
 *
 * Only the `[gpio]` keys backend, relay and relay_active_low are looked at,
 * each checked on its own; the rest of the file may be wrong. A file that
 * is not TOML at all is scanned line by line for those three keys in the
 * `[gpio]` table (linear, no backtracking). A key that is present but not
 * understood gives no hint: driving an unknown line could move something
 * else wired to the header.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { DEFAULT_CONFIG_PATH } from './load.js';

export interface RelayHint {
  readonly backend: 'onoff' | 'sim';
  /** BCM line; -1 = no relay. */
  readonly line: number;
  readonly activeLow: boolean;
}

/** The schema's defaults ([gpio] in schema.ts): demo mode, simulated. */
const DEFAULTS: RelayHint = { backend: 'sim', line: 27, activeLow: false };

export type RelayHintResult = { readonly hint: RelayHint } | { readonly unknown: string };

/** `path` as `run -c` takes it: undefined means the system file if present, else the defaults. */
export function readRelayHint(path: string | undefined): RelayHintResult {
  if (path === undefined) {
    if (!existsSync(DEFAULT_CONFIG_PATH)) return { hint: DEFAULTS };
    path = DEFAULT_CONFIG_PATH;
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { unknown: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  return relayHintFromText(text);
}

export function relayHintFromText(text: string): RelayHintResult {
  let gpio: Record<string, unknown>;
  try {
    const doc = parseToml(text) as Record<string, unknown>;
    const g = doc['gpio'];
    gpio = g !== null && typeof g === 'object' && !Array.isArray(g) && !(g instanceof Date) ? (g as Record<string, unknown>) : {};
  } catch {
    gpio = scanGpioTable(text);
  }
  const backend = gpio['backend'] ?? DEFAULTS.backend;
  const line = gpio['relay'] ?? DEFAULTS.line;
  const activeLow = gpio['relay_active_low'] ?? DEFAULTS.activeLow;
  if (backend !== 'sim' && backend !== 'onoff') return { unknown: '[gpio] backend not understood' };
  if (typeof line !== 'number' || !Number.isInteger(line) || line < -1 || line > 1023) return { unknown: '[gpio] relay not understood' };
  if (typeof activeLow !== 'boolean') return { unknown: '[gpio] relay_active_low not understood' };
  return { hint: { backend, line, activeLow } };
}

const KEYS = new Set(['backend', 'relay', 'relay_active_low']);

/** For text smol-toml refused: `key = value` lines of the `[gpio]` table, values as TOML would read them. */
function scanGpioTable(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let inGpio = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inGpio = line.replace(/\s/g, '').startsWith('[gpio]');
      continue;
    }
    if (!inGpio) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    if (!KEYS.has(key)) continue;
    const hash = line.indexOf('#', eq);
    const value = (hash < 0 ? line.slice(eq + 1) : line.slice(eq + 1, hash)).trim();
    if (key in out) return { [key]: undefined, backend: 'unknown' }; // twice: which one counts is anyone's guess
    out[key] = value === 'true' ? true : value === 'false' ? false : /^-?\d+$/.test(value) ? Number(value) : /^"[a-z]+"$/.test(value) ? value.slice(1, -1) : value;
  }
  return out;
}
