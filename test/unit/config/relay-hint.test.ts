import { describe, expect, it } from 'vitest';
import { relayHintFromText } from '../../../src/config/relay-hint.js';

describe('relay hint (read before validation, issue 12 row 8)', () => {
  it('takes [gpio] backend, relay and relay_active_low even when the rest of the file is wrong', () => {
    expect(relayHintFromText('[door]\nopen_kode = 5\n[gpio]\nbackend = "onoff"\nrelay = 22\nrelay_active_low = true\n')).toEqual({ hint: { backend: 'onoff', relays: [{ line: 22, activeLow: true }], skipped: [] } });
  });
  it('defaults when [gpio] says nothing', () => {
    expect(relayHintFromText('')).toEqual({ hint: { backend: 'sim', relays: [{ line: 27, activeLow: false }], skipped: [] } });
  });
  it('scans the [gpio] table of a file that is not TOML', () => {
    expect(relayHintFromText('[sip\nx = = y\n[gpio]\nbackend = "onoff" # real pins\nrelay = 5\nrelay_active_low = true\n[door]\nrelay = 9\n')).toEqual({ hint: { backend: 'onoff', relays: [{ line: 5, activeLow: true }], skipped: [] } });
  });
  it('gives no hint for a relay key it does not understand, or one written twice', () => {
    expect(relayHintFromText('[gpio]\nrelay = "27"\n')).toHaveProperty('unknown');
    expect(relayHintFromText('[gpio]\nrelay_active_low = 1\n')).toHaveProperty('unknown');
    expect(relayHintFromText('[gpio\n[gpio]\nrelay = 5\nrelay = 6\n')).toHaveProperty('unknown');
  });

  it('[[relays]]: every relay, each on its own; one not understood is left out and said, the others still count', () => {
    const toml = '[gpio]\nbackend = "onoff"\nrelay = 27\n[[relays]]\nname = "door"\nline = 27\n[[relays]]\nname = "gate"\nline = 22\nactive_low = true\n[[relays]]\nline = "x"\n';
    expect(relayHintFromText(toml)).toEqual({
      hint: { backend: 'onoff', relays: [{ line: 27, activeLow: false }, { line: 22, activeLow: true }], skipped: ['[[relays]] 3 line not understood'] },
    });
  });
  it('[[relays]] in a file that is not TOML: scanned; a key written twice leaves that relay out', () => {
    const text = '[sip\n[[relays]]\nline = 5 # door\n[[relays]]\nline = 6\nactive_low = true\nactive_low = false\n[[ relays ]]\nline = 7\n';
    expect(relayHintFromText(text)).toEqual({
      hint: { backend: 'sim', relays: [{ line: 5, activeLow: false }, { line: 7, activeLow: false }], skipped: ['[[relays]] 2 polarity not understood'] },
    });
  });
});
