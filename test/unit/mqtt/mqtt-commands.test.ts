import { describe, expect, it } from 'vitest';
import { parseMqttCommand, MAX_COMMAND_BYTES } from '../../../src/mqtt/mqtt-commands.js';

describe('parseMqttCommand', () => {
  it('reads the three commands, with and without their argument', () => {
    expect(parseMqttCommand('ring')).toEqual({ kind: 'ring' });
    expect(parseMqttCommand('ring flat-2')).toEqual({ kind: 'ring', button: 'flat-2' });
    expect(parseMqttCommand(Buffer.from(' terminate \n'))).toEqual({ kind: 'terminate' });
    expect(parseMqttCommand('terminate 12')).toEqual({ kind: 'terminate', id: 12 });
    expect(parseMqttCommand('open-door')).toEqual({ kind: 'open-door' });
    expect(parseMqttCommand('open-door gate')).toEqual({ kind: 'open-door', relay: 'gate' });
  });

  it('refuses anything else with a reason, never throws', () => {
    for (const bad of ['', 'ring flat-1 now', 'terminate x', 'open-door a b', 'reboot', '\u0000\u0001', 'x'.repeat(MAX_COMMAND_BYTES + 1)]) {
      const r = parseMqttCommand(bad);
      expect(r.kind, bad).toBe('invalid');
    }
    const r = parseMqttCommand('rm\u001b[2J');
    expect(r.kind === 'invalid' && r.reason).not.toContain('\u001b');
  });
});
