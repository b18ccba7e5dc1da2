/** Issue 15: check-config explains the buttons: each plan in a user's words, and one-button keys made unused by [[buttons]]. */
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { buttonSummary, buttonWarnings } from '../../../src/door/button-summary.js';
import { configWarnings } from '../../../src/door/config-warnings.js';

const TWO = `
[call]
timezone = "Europe/Berlin"
targets = ["sip:everyone@house"]
[door]
open_code = "4711#"
allowed = ["sip:everyone@house", "sip:flat1@house"]
[[buttons]]
name = "flat-1"
line = 5
targets = ["sip:flat1@house"]
[[buttons.schedule]]
name = "night"
days = ["mon-fri"]
from = "22:00"
to = "07:00"
targets = ["sip:phone@house"]
[[buttons]]
name = "flat-2"
line = 6
`;

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'door.toml');
    return [];
  } catch (e) {
    return (e as { problems: string[] }).problems;
  }
}

describe('check-config on buttons', () => {
  it('summarises each button and plan, the schedule first and its zone', () => {
    expect(buttonSummary(parseConfigText(TWO))).toEqual([
      'button "flat-1": GPIO 5 (active low)',
      '  plan "night", mon-fri 22:00-07:00 (to the next day): sip:phone@house, ring_timeout 30 s, early_media video',
      '  plan "default" (when no schedule above is in force; the first in force wins; times in Europe/Berlin): sip:flat1@house, ring_timeout 30 s, early_media video',
      'button "flat-2": GPIO 6 (active low)',
      '  plan "default": sip:everyone@house, ring_timeout 30 s, early_media video',
    ]);
    expect(buttonSummary(parseConfigText(''))[0]).toMatch(/^button "button" \(the one-button keys gpio.button and \[call\]; for several buttons write \[\[buttons\]\]\): GPIO 17 \(active low\)$/);
  });

  it('warns when [[buttons]] is given and gpio.button was written too', () => {
    const text = `[gpio]\nbutton = 17\n${TWO}`;
    expect(buttonWarnings(parseConfigText(text), parse(text))).toEqual([
      "gpio.button is not used when [[buttons]] is given: each button's line and polarity are its line and active_low (remove it, or move it into a [[buttons]] entry)",
    ]);
    expect(buttonWarnings(parseConfigText(TWO), parse(TWO))).toEqual([]);
    expect(buttonWarnings(parseConfigText('[gpio]\nbutton = 4\n'), parse('[gpio]\nbutton = 4\n'))).toEqual([]);
  });

  it('the door.allowed warning covers every plan’s targets', () => {
    expect(configWarnings(parseConfigText(TWO)).join('\n')).toMatch(/call\.targets has sip:phone@house, which door\.allowed does not list/);
  });

  it('clear errors: duplicate names, times, days, a line used twice', () => {
    const bad = `[[buttons]]\nname = "a"\nline = 27\n[[buttons.schedule]]\ndays = ["weekdays"]\nfrom = "7:00"\nto = "24:00"\n[[buttons]]\nname = "a"\nline = 5\n[[buttons]]\nname = "b c"\nline = 5\n`;
    const crossKeys = [
      'door.toml: [[buttons]] #2 name: "a" names two buttons (names must be unique)',
      'door.toml: [[buttons]] #1 line: GPIO 27 is already gpio.relay: every input and output needs its own line',
      'door.toml: [[buttons]] #3 line: GPIO 5 is already the line of button "a": every input and output needs its own line',
    ];
    expect(problemsOf(bad)).toEqual([
      'door.toml: [[buttons]] #1 [[buttons.schedule]] #1 days[0]: must be a day ("mon" .. "sun") or a range of days such as "mon-fri" (got "weekdays")',
      'door.toml: [[buttons]] #1 [[buttons.schedule]] #1 from: must be a time of day "HH:MM" from "00:00" to "23:59" (got "7:00")',
      'door.toml: [[buttons]] #1 [[buttons.schedule]] #1 to: must be a time of day "HH:MM" from "00:00" to "23:59" (got "24:00")',
      'door.toml: [[buttons]] #3 name: must be 1 to 32 letters, digits, "_" or "-" (got "b c")',
      ...crossKeys,
    ]);
    expect(problemsOf('[[buttons]]\nnme = "a"\n[[buttons.schedule]]\nfrom = "22:00"\ntargest = []\n')).toEqual([
      'door.toml: [[buttons]] #1 name: is required (a string)',
      'door.toml: [[buttons]] #1 [[buttons.schedule]] #1 to: is required (a string)',
      'door.toml: [[buttons]] #1 [[buttons.schedule]] #1 targest: unknown key (did you mean "targets"?)',
      'door.toml: [[buttons]] #1 nme: unknown key (did you mean "name"?)',
    ]);
    expect(problemsOf(bad.replace('"weekdays"', '"mon-fri"').replace('"7:00"', '"07:00"').replace('"24:00"', '"23:00"').replace('"b c"', '"b"'))).toEqual(crossKeys);
  });
});
