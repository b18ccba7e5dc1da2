/** Issue 15: `[[relays]]`, `[exit_button]`, `[door_contact]`, how they are checked, and their codes kept secret. */
import { describe, expect, it } from 'vitest';
import { stringify } from 'smol-toml';
import { ConfigError, maskSecrets, parseConfigText, secretValues } from '../../../src/config/load.js';
import { relaySpecs } from '../../../src/config/relays.js';

function problems(text: string): string[] {
  try {
    parseConfigText(text, 'f');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('accepted');
}

const TWO = '[[relays]]\nname = "door"\nline = 27\nopen_codes = ["1234"]\n[[relays]]\nname = "gate"\nline = 22\nopen_codes = ["567890", "4321#"]\n';

describe('[[relays]], [exit_button], [door_contact]', () => {
  it('no [[relays]]: one relay "door" from the [gpio] relay keys and door.open_code', () => {
    const c = parseConfigText('[gpio]\nrelay = 5\nrelay_active_low = true\nrelay_pulse_ms = 800\n[door]\nopen_code = "2468"\n');
    expect(relaySpecs(c)).toEqual([{ name: 'door', line: 5, activeLow: true, pulseMs: 800, openCodes: ['2468'] }]);
  });

  it('[[relays]]: each with its keys and defaults, in order', () => {
    expect(relaySpecs(parseConfigText(TWO))).toEqual([
      { name: 'door', line: 27, activeLow: false, pulseMs: 3000, openCodes: ['1234'] },
      { name: 'gate', line: 22, activeLow: false, pulseMs: 3000, openCodes: ['567890', '4321#'] },
    ]);
  });

  it.each([
    ['[[relays]]\nline = 5\n', 'f: [[relays]] #1 name: is required (a string)'],
    [TWO + '[[relays]]\nname = "gate"\nline = 9\n', 'f: [[relays]] #3 name: "gate" names two relays (names must be unique)'],
    [TWO + '[exit_button]\nline = 23\nrelay = "garage"\n', 'f: [exit_button] relay: names no relay "garage" (relays: "door", "gate")'],
    ['[door_contact]\nline = 24\nrelay = "gate"\n', 'f: [door_contact] relay: names no relay "gate" (relays: "door")'],
    [TWO + '[mqtt]\nenabled = true\nallow_open_door = true\nrelay_name = "garage"\n', 'f: [mqtt] relay_name: names no relay "garage" (relays: "door", "gate")'],
    [TWO + '[door]\nopen_code = "9999"\n', 'f: [door] open_code: is the single-relay form: with [[relays]], give each relay its open_codes'],
    [TWO + '[exit_button]\nline = 22\n', 'f: [exit_button] line: GPIO 22 is already relays "gate": every input and output needs its own line'],
    ['[door_contact]\nline = 17\n', 'f: [door_contact] line: GPIO 17 is already gpio.button: every input and output needs its own line'],
    ['[exit_button]\nline = 27\n', 'f: [exit_button] line: GPIO 27 is already gpio.relay: every input and output needs its own line'],
    ['[[relays]]\nname = "a"\nline = 5\nopen_codes = ["1234"]\n[[relays]]\nname = "b"\nline = 6\nopen_codes = ["1234#"]\n', 'f: [[relays]] #2 open_codes[0]: is the same code as another one: each code must open one relay'],
    ['[[relays]]\nname = "a"\nline = 5\nopen_codes = ["12#4", "123456"]\n', 'f: [[relays]] #1 open_codes[0]: holds "#" before its end, but the codes differ in length and "#" is what ends the shorter ones'],
    ['[[relays]]\nname = "a b"\nline = 5\n', 'f: [[relays]] #1 name: must be 1 to 32 letters, digits, "_" or "-" (got "a b")'],
    ['[[relays]]\nname = "a"\nline = 5\nlien = 6\n', 'f: [[relays]] #1 lien: unknown key'],
    ['[[relays]]\nname = "a"\nline = 5\nnam = 6\n', 'f: [[relays]] #1 nam: unknown key (did you mean "name"?)'],
    ['[door_contact]\nopen_level = "up"\n', 'f: [door_contact] open_level: must be one of "high", "low" (got "up")'],
  ])('%j → %s', (text, line) => {
    expect(problems(text)).toContain(line);
  });

  it('one line check for every wired line: [gpio] lines clash among themselves, an unused gpio.relay (with [[relays]]) clashes with nothing', () => {
    expect(problems('[gpio]\nled = 17\n')).toContain('f: [gpio] led: GPIO 17 is already gpio.button: every input and output needs its own line');
    expect(relaySpecs(parseConfigText(TWO + '[gpio]\nled = 5\nrelay = 5\n')).map((r) => r.line)).toEqual([27, 22]);
  });

  it('codes are secrets: errors never quote them, check-config masks them, the log sink hides them', () => {
    for (const text of ['[[relays]]\nname = "a"\nline = 5\nopen_codes = ["739"]\n', '[[relays]]\nname = "a"\nline = 5\nopen_codes = [73915]\n', '[[relays]]\nname = "a"\nline = 5\nopen_codes = ["7391x"]\n']) {
      const p = problems(text).join('\n');
      expect(p).toMatch(/\[\[relays\]\] #1 open_codes\[0\]/);
      expect(p).not.toMatch(/739/);
    }
    // A TOML syntax error on an open_codes line says nothing of the value.
    expect(problems('[[relays]]\nname = "a"\nline = 5\nopen_codes = ["7391\n').join('\n')).not.toContain('7391');
    const c = parseConfigText(TWO);
    const shown = stringify(maskSecrets(c));
    for (const code of ['1234', '567890', '4321']) expect(shown).not.toContain(code);
    expect(maskSecrets(c).relays[1]!.open_codes).toEqual(['********', '********']);
    expect(secretValues(c)).toEqual(expect.arrayContaining(['1234', '567890', '4321#', '4321']));
  });
});
