/**
 * Every key of the schema (enumerated from its defaults, so a new key is
 * covered without touching this file) given every TOML type: string,
 * integer, float, boolean, array, inline table, offset date-time, local
 * date, local time. A wrong type is a ConfigError whose lines each name the
 * file and the key; nothing else is ever thrown, and no line looks like a
 * stack trace. Then the same through `doorstation check-config`: exit 2,
 * one stderr line per problem.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../../src/config/load.js';
import { configSchema } from '../../../src/config/schema.js';
import { CLI } from '../../support/daemon.js';
import { report } from '../../support/fuzz.js';

const VALUES: Record<string, string> = {
  string: '"wrong"',
  'empty string': '""',
  integer: '12345',
  'negative integer': '-7',
  float: '1.5',
  'huge float': '1e309',
  boolean: 'true',
  array: '[1, "a", true]',
  'empty array': '[]',
  table: '{ a = 1 }',
  'offset date-time': '1979-05-27T07:32:00Z',
  'local date': '1979-05-27',
  'local time': '07:32:00',
};

/** The type of each default, which is the type the key wants. */
function tomlKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  return typeof v;
}
const kindOf: Record<string, string> = {
  string: 'string',
  'empty string': 'string',
  integer: 'number',
  'negative integer': 'number',
  float: 'number',
  'huge float': 'number',
  boolean: 'boolean',
  array: 'array',
  'empty array': 'array',
  table: 'object',
  'offset date-time': 'date',
  'local date': 'date',
  'local time': 'date',
};

const defaults = configSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
const KEYS = Object.entries(defaults).flatMap(([section, table]) => Object.entries(table).map(([key, v]) => ({ section, key, want: tomlKind(v) })));

/** Lines a user reads: each names file and key, is one line, and is no stack trace. */
function checkLines(lines: string[], file: string, section: string, key?: string): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) {
    expect(l.startsWith(`${file}: [${section}]${key ? ` ${key}` : ''}`), l).toBe(true);
    expect(l).not.toMatch(/\n|\s+at \S+ \(|Error:|undefined|\[object /);
    expect(l.length).toBeLessThan(300);
  }
}

describe('config: every key, every TOML type', () => {
  it('each wrong type is a ConfigError naming file and key; the right type is accepted or refused the same way', () => {
    const started = Date.now();
    let cases = 0;
    let refused = 0;
    for (const { section, key, want } of KEYS) {
      for (const [name, value] of Object.entries(VALUES)) {
        const toml = `[${section}]\n${key} = ${value}\n`;
        cases++;
        let problems: string[] | undefined;
        try {
          parseConfigText(toml, 'door.toml');
        } catch (e) {
          if (!(e instanceof ConfigError)) throw new Error(`[${section}] ${key} = ${value}: threw ${String(e)}`);
          problems = e.problems;
        }
        if (kindOf[name] !== want) expect(problems, `[${section}] ${key} = ${value} (${name}) was accepted`).toBeDefined();
        if (!problems) continue;
        refused++;
        // A cross-key rule (password and ha1, GPIO lines) may name its other key; every line still names the section.
        checkLines(problems, 'door.toml', section);
        expect(problems.some((p) => p.startsWith(`door.toml: [${section}] ${key}`)) || problems.some((p) => /different lines/.test(p)), problems.join('\n')).toBe(true);
      }
    }
    report('config: every key x every TOML type', 0, cases, Date.now() - started, `${KEYS.length} keys, ${refused} refused, each line names file and key, only ConfigError thrown`);
  });

  it('a section given as a value of any type, and a whole wrong file at once', () => {
    for (const section of Object.keys(defaults)) {
      for (const value of Object.values(VALUES)) {
        // An array of tables (`[[relays]]`) is a list: an empty one is its default.
        if (Array.isArray(defaults[section as keyof typeof defaults]) && value === '[]') continue;
        try {
          parseConfigText(`${section} = ${value}\n`, 'door.toml');
          throw new Error(`${section} = ${value} accepted`);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          checkLines((e as ConfigError).problems, 'door.toml', section);
        }
      }
    }
  });

  describe('through `doorstation check-config`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-types-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.skipIf(!existsSync(CLI))('exits 2 with one line per key, naming file and key, for a file with every key wrong', () => {
      const started = Date.now();
      const kinds = ['string', 'float', 'table', 'offset date-time'];
      for (const kind of kinds) {
        const file = join(dir, `all-${kind.replace(/\W/g, '-')}.toml`);
        const bySection = new Map<string, string[]>();
        // Keys whose right type this is are left out: only wrong types here.
        for (const { section, key, want } of KEYS) if (want !== kindOf[kind]) bySection.set(section, [...(bySection.get(section) ?? []), `${key} = ${VALUES[kind]}`]);
        writeFileSync(file, [...bySection].map(([s, ls]) => `[${s}]\n${ls.join('\n')}\n`).join(''));
        const r = spawnSync(process.execPath, [CLI, 'check-config', '-c', file], { encoding: 'utf8', timeout: 30_000 });
        expect(r.status, r.stderr).toBe(2);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trimEnd().split('\n');
        const expected = [...bySection.values()].flat().length;
        expect(lines.length, r.stderr).toBeGreaterThanOrEqual(expected);
        for (const l of lines) {
          expect(l.startsWith(`${file}: [`), l).toBe(true);
          expect(l).not.toMatch(/\s+at \S+ \(|Error:|undefined/);
        }
      }
      report('config: check-config with every key wrong at once', 0, kinds.length, Date.now() - started, 'exit 2, one line per key naming file and key, no stack trace');
    });
  });
});
