/** The `open-door` control command (SPEC section 3): opens through the opener, so it is an event and a log line like any opening. */
import type { Command } from '../registry.js';
import { fail, ok } from '../reply.js';
import type { DoorOpener, RefusalReason } from '../../door/opener/door-opener.js';

export const NO_RELAY = 'No relay configured.';

const REASONS: Partial<Record<RefusalReason, string>> = {
  'no-relay': NO_RELAY,
  disarmed: 'Relay disabled: the daemon is stopping.',
  unavailable: 'GPIO is not running.',
};

export function openDoorCommands(opener: Pick<DoorOpener, 'openBy'>): Command[] {
  return [
    {
      name: 'open-door',
      syntax: 'open-door',
      description: 'Pulses the door relay for gpio.relay_pulse_ms. A request while the relay is on leaves the running pulse as it is.',
      run: (args) => {
        if (args !== '') return fail('open-door takes no arguments.');
        const r = opener.openBy({ by: 'control', method: 'control' });
        if (r.opened) return ok();
        return fail(REASONS[r.reason] ?? `Door not opened: ${r.reason}.`);
      },
    },
  ];
}
