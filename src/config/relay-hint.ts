/**
 * The relays' lines and polarities, read before (and whatever the outcome
 * of) config validation, so a start that fails later (a typo elsewhere in
 * the file, an unreadable TLS key, a missing camera) still drives every
 * relay off first: after a SIGKILL during a pulse, sysfs holds the line on
 * until someone writes it off (issue 12 row 8, issue 15: every relay).
 *
 * Only `[gpio]` backend, relay and relay_active_low, and `[[relays]]` line
 * and active_low are looked at, each checked on its own; the rest of the
 * file may be wrong. A file that is not TOML at all is scanned line by
 * line for those keys in those tables (linear, no backtracking). A relay
 * whose line or polarity is present but not understood is left out: driving
 * an unknown line could move something else wired to the header.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { configPath } from './load.js';

export interface RelayLine {
  /** BCM line. */
  readonly line: number;
  readonly activeLow: boolean;
}

export interface RelayHint {
  readonly backend: 'onoff' | 'sim';
  /** Every relay understood and wired (line >= 0). */
  readonly relays: readonly RelayLine[];
  /** Relays left out, in a user's words (a line or polarity not understood). */
  readonly skipped: readonly string[];
}

/** The schema's defaults ([gpio] in schema.ts): demo mode, simulated. */
const DEFAULTS = { backend: 'sim', line: 27, activeLow: false } as const;

export type RelayHintResult = { readonly hint: RelayHint } | { readonly unknown: string };

/** `path` as `run -c` takes it: undefined means the system file if present, else the defaults. */
export function readRelayHint(given: string | undefined): RelayHintResult {
  const path = configPath(given);
  if (path === undefined) return relayHintFromText('');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { unknown: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  return relayHintFromText(text);
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

export function relayHintFromText(text: string): RelayHintResult {
  let gpio: Table;
  let relays: unknown[];
  try {
    const doc = parseToml(text) as Table;
    gpio = isTable(doc['gpio']) ? doc['gpio'] : {};
    relays = Array.isArray(doc['relays']) ? doc['relays'] : [];
  } catch {
    ({ gpio, relays } = scanTables(text));
  }
  const backend = gpio['backend'] ?? DEFAULTS.backend;
  if (backend !== 'sim' && backend !== 'onoff') return { unknown: '[gpio] backend not understood' };
  const out: RelayLine[] = [];
  const skipped: string[] = [];
  const take = (line: unknown, activeLow: unknown, where: string) => {
    if (typeof line !== 'number' || !Number.isInteger(line) || line < -1 || line > 1023) return void skipped.push(`${where} line not understood`);
    if (typeof activeLow !== 'boolean') return void skipped.push(`${where} polarity not understood`);
    if (line >= 0) out.push({ line, activeLow });
  };
  if (relays.length === 0) take(gpio['relay'] ?? DEFAULTS.line, gpio['relay_active_low'] ?? DEFAULTS.activeLow, '[gpio] relay');
  relays.forEach((r, i) => (isTable(r) ? take(r['line'], r['active_low'] ?? false, `[[relays]] ${i + 1}`) : skipped.push(`[[relays]] ${i + 1} not understood`)));
  // Nothing understood at all: say so as before, so the caller's warning names the cause.
  if (out.length === 0 && skipped.length > 0) return { unknown: skipped.join('; ') };
  return { hint: { backend, relays: out, skipped } };
}

const GPIO_KEYS = new Set(['backend', 'relay', 'relay_active_low']);
const RELAY_KEYS = new Set(['line', 'active_low']);
/** A key written twice: understood as nothing. */
const TWICE = Symbol('twice');

/** For text smol-toml refused: `key = value` lines of `[gpio]` and of each `[[relays]]`, values as TOML would read them. */
function scanTables(text: string): { gpio: Table; relays: Table[] } {
  const gpio: Table = {};
  const relays: Table[] = [];
  let current: Table | undefined;
  let keys = GPIO_KEYS;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      const head = line.replace(/\s/g, '');
      if (head.startsWith('[[relays]]')) {
        current = {};
        relays.push(current);
        keys = RELAY_KEYS;
      } else {
        current = head.startsWith('[gpio]') ? gpio : undefined;
        keys = GPIO_KEYS;
      }
      continue;
    }
    if (!current) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    if (!keys.has(key)) continue;
    const hash = line.indexOf('#', eq);
    const value = (hash < 0 ? line.slice(eq + 1) : line.slice(eq + 1, hash)).trim();
    if (key in current) {
      // Twice: which one counts is anyone's guess. In [gpio] nothing is trusted then; in a relay, that relay is left out.
      if (current === gpio) return { gpio: { backend: 'unknown' }, relays: [] };
      current[key] = TWICE;
      continue;
    }
    current[key] = value === 'true' ? true : value === 'false' ? false : /^-?\d+$/.test(value) ? Number(value) : /^"[a-z]+"$/.test(value) ? value.slice(1, -1) : value;
  }
  return { gpio, relays };
}
