/**
 * Reads the TOML file into a fully defaulted, typed Config, or returns every
 * problem at once, each naming the file, the key and what is wrong (SPEC
 * section 2: unknown keys are errors so typos never pass silently).
 * smol-toml: TOML 1.0 compliant, small, no dependencies, errors with line
 * and column.
 */
import { readFileSync, existsSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { configSchema, SECRET_KEYS, type Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/doorstation/doorstation.toml';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined for built-in defaults (demo mode). */
  file: string | undefined;
}

/** The file `-c` names, else the system file if present; undefined: the built-in defaults (relay-hint.ts reads it too). */
export function configPath(given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  return existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined;
}

/**
 * `run` and `check-config`: an explicit path must exist; without one the
 * system file is used when present, else the built-in defaults.
 */
export function loadConfig(given: string | undefined): LoadedConfig {
  const path = configPath(given);
  if (path === undefined) return { config: parseConfig({}, '(defaults)'), file: undefined };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new ConfigError(path, [`${path}: cannot read: ${why}`]);
  }
  return { config: parseConfigText(text, path), file: path };
}

export function parseConfigText(text: string, file = '(config)'): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) {
      // smol-toml's detail may quote the text near the error: on a secret's line, say nothing of it (issue 12 row 17).
      const onSecret = SECRET_LINE.test(text.split('\n')[e.line - 1] ?? '');
      const first = onSecret ? 'in the value of a secret key (not shown)' : (e.message.split('\n')[0] ?? e.message);
      throw new ConfigError(file, [`${file}:${e.line}:${e.column}: TOML syntax error: ${first}`]);
    }
    throw e;
  }
  return parseConfig(raw, file);
}

/** A line that sets a secret key (bare or quoted key name), whatever the value's syntax. */
const SECRET_LINE = new RegExp(`^\\s*["']?(${SECRET_KEYS.map(([, k]) => k).join('|')})["']?\\s*=`);

/**
 * Secrets are never echoed, whatever their TOML type: a number, a list, a date tell only their kind.
 * `[section] key` and, for an array of tables (`[[relays]] open_codes`), `section[N] key`.
 */
function isSecret(path: ReadonlyArray<PropertyKey>): boolean {
  return SECRET_KEYS.some(([s, k]) => path[0] === s && (path[1] === k || (typeof path[1] === 'number' && path[2] === k)));
}

export function parseConfig(raw: unknown, file = '(config)'): Config {
  const result = configSchema.safeParse(raw, { reportInput: true });
  const problems = [...datedSections(raw, file), ...(result.success ? [] : result.error.issues.flatMap((issue) => describeIssue(issue, file)))];
  if (problems.length > 0 || !result.success) throw new ConfigError(file, problems);
  return result.data;
}

/**
 * zod takes a Date where a table is wanted (an object with no keys of its
 * own), so `sip = 1979-05-27` would pass as an empty [sip] with every
 * default: a typo that must not pass silently.
 */
function datedSections(raw: unknown, file: string): string[] {
  if (raw === null || typeof raw !== 'object') return [];
  return Object.entries(raw).flatMap(([section, v]) => (v instanceof Date ? [`${file}: [${section}]: must be a table (got a date)`] : []));
}

function keyName(path: ReadonlyArray<PropertyKey>): string {
  if (typeof path[1] === 'number') return tableArrayKey(path);
  const [section, ...rest] = path.map(String);
  if (section === undefined) return '(top level)';
  if (rest.length === 0) return `[${section}]`;
  const [key, ...idx] = rest;
  return `[${section}] ${key}${idx.map((i) => `[${i}]`).join('')}`;
}

/** An array of tables (issue 15, `[[buttons]]`): `[[buttons]] #2 [[buttons.schedule]] #1 from`, counted from 1 as a user reads the file. */
function tableArrayKey(path: ReadonlyArray<PropertyKey>): string {
  const out: string[] = [];
  const tables: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const [here, next] = [path[i], path[i + 1]];
    if (typeof here === 'number') out[out.length - 1] += `[${here}]`; // an item of a plain list, as keyName writes it
    else if (typeof next === 'number' && (i === 0 || i + 2 < path.length)) {
      tables.push(String(here));
      out.push(`[[${tables.join('.')}]] #${next + 1}`);
      i++;
    } else out.push(String(here));
  }
  return out.join(' ');
}

function describeIssue(issue: z.core.$ZodIssue, file: string): string[] {
  const where = keyName(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const full = issue.path.length === 0 ? `[${k}]` : keyName([...issue.path, k]);
      const what = issue.path.length === 0 ? 'unknown section' : 'unknown key';
      const hint = suggest(k, knownKeys(issue.path));
      return `${file}: ${full}: ${what}${hint ? ` (did you mean "${hint}"?)` : ''}`;
    });
  }
  if (issue.code === 'invalid_type') {
    const names: Record<string, string> = { object: 'a table', array: 'a list', int: 'a whole number' };
    const want = names[issue.expected] ?? `a ${issue.expected}`;
    // Only keys without a default can be missing (`[[relays]]` name and line, `[[buttons]]` name, a schedule's from and to).
    if (issue.input === undefined) return [`${file}: ${where}: is required (${want})`];
    const got = ` (got ${isSecret(issue.path) ? describeKind(issue.input) : describeValue(issue.input)})`;
    return [`${file}: ${where}: must be ${want}${got}`];
  }
  const got = !isSecret(issue.path) && issue.code !== 'custom' && 'input' in issue && issue.input !== undefined ? ` (got ${describeValue(issue.input)})` : '';
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((v) => JSON.stringify(v)).join(', ');
    return [`${file}: ${where}: must be one of ${values}${got}`];
  }
  return [`${file}: ${where}: ${issue.message}${got}`];
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return v instanceof Date ? 'a date' : 'a table';
  return String(v);
}

function describeKind(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (v !== null && typeof v === 'object') return 'a table';
  return typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : 'a value';
}

function knownKeys(path: ReadonlyArray<PropertyKey>): string[] {
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  if (path.length === 0) return Object.keys(defaults);
  const section = defaults[String(path[0])];
  if (Array.isArray(section)) return tableArrayKeys(path);
  return section && typeof section === 'object' ? Object.keys(section) : [];
}

/** The keys an entry of an array of tables (`[[buttons]]`, `[[buttons.schedule]]`) may have, read from the schema. */
function tableArrayKeys(path: ReadonlyArray<PropertyKey>): string[] {
  type Def = { type: string; innerType?: Node; element?: Node; shape?: Record<string, Node> };
  type Node = { _zod: { def: Def } };
  const unwrap = (n: Node | undefined): Node | undefined => {
    let node = n;
    while (node && (node._zod.def.type === 'default' || node._zod.def.type === 'prefault' || node._zod.def.type === 'optional')) node = node._zod.def.innerType;
    return node;
  };
  let node: Node | undefined = configSchema as unknown as Node;
  for (const step of path) {
    node = unwrap(node);
    node = typeof step === 'number' ? node?._zod.def.element : node?._zod.def.shape?.[String(step)];
  }
  return Object.keys(unwrap(node)?._zod.def.shape ?? {});
}

/** The closest known key within two edits, for "did you mean". */
function suggest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The config as TOML-ready data with secrets replaced, for `check-config`. */
export function maskSecrets(config: Config): Config {
  const copy = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  const mask = (table: Record<string, unknown> | undefined, key: string) => {
    const v = table?.[key];
    if (typeof v === 'string' && v !== '') table![key] = '********';
    if (Array.isArray(v)) table![key] = v.map(() => '********');
  };
  for (const [section, key] of SECRET_KEYS) {
    const table = copy[section];
    if (Array.isArray(table)) for (const t of table as Array<Record<string, unknown>>) mask(t, key);
    else mask(table, key);
  }
  return copy as unknown as Config;
}

/**
 * The strings the log sink hides: each secret key's value, and the open
 * code without its `#` too, as the digits arrive before the terminator
 * (issue 12 row 18).
 */
export function secretValues(config: Config): string[] {
  const codes = [config.door.open_code, ...config.relays.flatMap((r) => r.open_codes)].filter((c) => c !== '');
  const withoutHash = codes.map((c) => c.replace(/#$/, ''));
  return [config.account.password, config.account.ha1, ...new Set([...codes, ...withoutHash])].filter((s) => s !== '');
}
