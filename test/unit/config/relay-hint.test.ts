import { describe, expect, it } from 'vitest';
import { relayHintFromText } from '../../../src/config/relay-hint.js';

describe('relay hint (read before validation, issue 12 row 8)', () => {
  it('takes [gpio] backend, relay and relay_active_low even when the rest of the file is wrong', () => {
    expect(relayHintFromText('[door]\nopen_kode = 5\n[gpio]\nbackend = "onoff"\nrelay = 22\nrelay_active_low = true\n')).toEqual({ hint: { backend: 'onoff', line: 22, activeLow: true } });
  });
  it('defaults when [gpio] says nothing', () => {
    expect(relayHintFromText('')).toEqual({ hint: { backend: 'sim', line: 27, activeLow: false } });
  });
  it('scans the [gpio] table of a file that is not TOML', () => {
    expect(relayHintFromText('[sip\nx = = y\n[gpio]\nbackend = "onoff" # real pins\nrelay = 5\nrelay_active_low = true\n[door]\nrelay = 9\n')).toEqual({ hint: { backend: 'onoff', line: 5, activeLow: true } });
  });
  it('gives no hint for a relay key it does not understand, or one written twice', () => {
    expect(relayHintFromText('[gpio]\nrelay = "27"\n')).toHaveProperty('unknown');
    expect(relayHintFromText('[gpio]\nrelay_active_low = 1\n')).toHaveProperty('unknown');
    expect(relayHintFromText('[gpio\n[gpio]\nrelay = 5\nrelay = 6\n')).toHaveProperty('unknown');
  });
});
