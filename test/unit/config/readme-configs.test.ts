/**
 * The worked configs in README's "Wiring and setups" must stay valid: each
 * ```toml block there is parsed with the real loader, so a renamed or
 * removed key breaks this test instead of a user's door. The wiring the
 * README draws must match the GPIO lines the configs use.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The text of one `## ` section, up to the next one. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

const setups = section('Wiring and setups');
const blocks = [...setups.matchAll(/^```toml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

describe('README setups', () => {
  it('has the three worked configs, and the door panel (gate, exit button, door contact)', () => {
    expect(blocks).toHaveLength(4);
  });

  it('door panel: two relays with their codes, the exit button and the door contact on the lines its table shows', () => {
    const c = parseConfigText(blocks[3]!);
    expect(c.relays.map((r) => [r.name, r.line])).toEqual([['door', 27], ['gate', 25]]);
    expect([c.exit_button.line, c.door_contact.line, c.door_contact.open_level]).toEqual([23, 24, 'high']);
    expect(setups).toContain('`[exit_button] line = 23`');
    expect(setups).toContain('`[door_contact] line = 24`');
  });

  it.each(blocks.map((b, i) => [i + 1, b] as const))('config %i parses with only keys the schema knows', (i, text) => {
    expect(() => parseConfigText(text, `README config ${i}`)).not.toThrow();
  });

  it('direct call: no registrar, the screen called by IP', () => {
    const c = parseConfigText(blocks[0]!);
    expect(c.account.registrar).toBe('');
    expect(c.call.targets[0]).toMatch(/^sip:[^@]+@\d+\.\d+\.\d+\.\d+(:\d+)?$/);
  });

  it('Flexisip: registers and calls the static route everyone@myhouse', () => {
    const c = parseConfigText(blocks[1]!);
    expect(c.account.registrar).not.toBe('');
    expect(c.call.targets).toEqual(['sip:everyone@myhouse']);
  });

  it('Kamailio: TLS registrar with a backup, certificates verified', () => {
    const c = parseConfigText(blocks[2]!);
    expect(c.account.registrar).toMatch(/;transport=tls$/);
    expect(c.account.backup_registrar).not.toBe('');
    expect(c.sip.tls_verify).toBe(true);
    expect(c.sip.listen.some((l) => l.startsWith('tls:'))).toBe(true);
  });

  it('uses the GPIO lines the wiring shows (button 17, relay 27, LED 22) on real hardware', () => {
    for (const text of blocks) {
      const c = parseConfigText(text);
      expect(c.gpio.backend).toBe('onoff');
      expect([c.gpio.button, c.gpio.relay]).toEqual([17, 27]);
      expect([-1, 22]).toContain(c.gpio.led);
    }
    expect(setups).toContain('](docs/wiring.png)');
    const svg = readFileSync(new URL('../../../docs/wiring.svg', import.meta.url), 'utf8');
    for (const label of ['BCM17', 'BCM27', 'BCM22', '3V3', '5V', 'GND']) expect(svg).toContain(label);
  });
});
