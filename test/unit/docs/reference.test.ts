/**
 * The user reference in docs/ must follow the code: every config key the
 * schema has is described in docs/configuration.md (and nothing described
 * there is gone), and every control command registered anywhere in src/
 * is in docs/control-protocol.md (and nothing listed there is gone).
 *
 * Config keys come from the loader itself (an empty file, every default
 * filled in), so a new key or section is found without touching this test.
 * Commands are found by scanning every .ts file under src/ for command
 * objects (`name: '…'` followed by `syntax:`), so files may move freely.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig, parseConfigText } from '../../../src/config/load.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

const CONFIGURATION = read('docs/configuration.md');
const CONTROL = read('docs/control-protocol.md');

/**
 * Arrays of tables (`[[buttons]]`, `[[buttons.schedule]]`, `[[relays]]`) are empty by default: the walk
 * reads a config holding one entry of each, every optional key given, and documents their keys as
 * `buttons.name`, `buttons.schedule.from`, `relays.open_codes`. A new array of tables adds its entry here.
 */
const ONE_OF_EACH = {
  buttons: [
    {
      name: 'b', line: 5, active_low: true, targets: [], mode: 'parallel', ring_timeout: 30, early_media: 'video',
      schedule: [{ name: 's', days: ['mon'], from: '22:00', to: '07:00', targets: [], mode: 'parallel', ring_timeout: 30, early_media: 'video' }],
    },
  ],
  relays: [{ name: 'gate', line: 22 }],
};

const isTable = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `section.key` for every leaf of the config, nested tables and (through their first entry) arrays of tables included. */
function configKeys(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value) && value.length > 0 && value.every(isTable)) return configKeys(value[0], prefix);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => configKeys(v, prefix ? `${prefix}.${k}` : k));
}

/** Keys the reference documents: the first cell of a table row, written `section.key`. */
function documentedKeys(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `([a-z0-9_]+(?:\.[a-z0-9_]+)+)` \|/gm)].map((m) => m[1]!);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.isFile() && e.name.endsWith('.ts') ? [path] : [];
  });
}

const SOURCES = sourceFiles(join(REPO, 'src')).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

/** Control commands as registered: `name: 'x',` then (after blanks) `syntax:`. */
function registeredCommands(): string[] {
  const names = SOURCES.flatMap(({ text }) => [...text.matchAll(/\bname:\s*(['"`])([^'"`\n]+)\1\s*,\s*syntax:/g)].map((m) => m[2]!));
  return [...new Set(names)].sort();
}

/** The rows of the command table in control-protocol.md: `| \`name …\` | …`. */
function documentedCommands(): string[] {
  const start = CONTROL.indexOf('\n## Commands\n');
  expect(start, 'docs/control-protocol.md has a "## Commands" section').toBeGreaterThan(0);
  const end = CONTROL.indexOf('\n### ', start);
  const table = CONTROL.slice(start, end < 0 ? undefined : end);
  return [...table.matchAll(/^\| `([a-z][a-z-]*)[ `]/gm)].map((m) => m[1]!);
}

describe('docs/configuration.md', () => {
  const keys = configKeys(parseConfig(ONE_OF_EACH));
  const documented = documentedKeys(CONFIGURATION);

  it('finds the config keys (the walk itself works)', () => {
    expect(keys.length).toBeGreaterThan(30);
    expect(keys).toContain('sip.listen');
    expect(keys).toContain('door.open_code');
    expect(keys).toContain('buttons.schedule.from');
    expect(keys).toContain('relays.open_codes');
  });

  it('describes every config key the schema has', () => {
    const missing = keys.filter((k) => !documented.includes(k));
    expect(missing, 'keys in src/config/schema.ts without a row in docs/configuration.md').toEqual([]);
  });

  it('describes no key that no longer exists', () => {
    const gone = documented.filter((k) => !keys.includes(k));
    expect(gone, 'rows in docs/configuration.md for keys the schema does not have').toEqual([]);
  });

  it('describes each key once', () => {
    expect(documented.filter((k, i) => documented.indexOf(k) !== i)).toEqual([]);
  });

  const blocks = [...CONFIGURATION.matchAll(/^```toml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  it.each(blocks.map((b, i) => [i + 1, b] as const))('TOML example %i is a valid config', (i, text) => {
    expect(() => parseConfigText(text, `docs/configuration.md example ${i}`)).not.toThrow();
  });
});

describe('docs/control-protocol.md', () => {
  const commands = registeredCommands();
  const documented = documentedCommands();

  it('finds the registered commands (the scan itself works)', () => {
    expect(commands.length).toBeGreaterThan(15);
    for (const c of ['help', 'call', 'open-door', 'press', 'register-status']) expect(commands).toContain(c);
  });

  it('lists every control command registered in src/', () => {
    const missing = commands.filter((c) => !documented.includes(c));
    expect(missing, 'commands registered in src/ without a row in the "## Commands" table').toEqual([]);
  });

  it('lists no command that no longer exists', () => {
    const gone = documented.filter((c) => !commands.includes(c));
    expect(gone, 'rows in the "## Commands" table for commands nobody registers').toEqual([]);
  });

  it('names every call state the code has', () => {
    const states = [...new Set(SOURCES.flatMap(({ text }) => [...text.matchAll(/'(LinphoneCall[A-Za-z]+)'/g)].map((m) => m[1]!)))];
    expect(states.length).toBeGreaterThan(5);
    expect(states.filter((s) => !CONTROL.includes(`\`${s}\``))).toEqual([]);
  });
});
