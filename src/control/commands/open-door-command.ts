/** The `open-door [NAME]` control command (SPEC section 3, issue 15): opens through the opener, so it is an event and a log line like any opening. */
import type { Command } from '../registry.js';
import { fail, ok } from '../reply.js';
import type { DoorOpener, RefusalReason } from '../../door/opener/door-opener.js';
import { unknownName } from '../../config/names.js';
import { GPIO_UNAVAILABLE } from './press-command.js';

export const NO_RELAY = 'No relay configured.';

const REASONS: Partial<Record<RefusalReason, string>> = {
  'no-relay': NO_RELAY,
  disarmed: 'Relay disabled: the daemon is stopping.',
  unavailable: GPIO_UNAVAILABLE,
};

export function openDoorCommands(opener: Pick<DoorOpener, 'openBy' | 'relayNames'>): Command[] {
  return [
    {
      name: 'open-door',
      syntax: 'open-door [NAME]',
      description:
        'Pulses relay NAME (a [[relays]] name; without NAME the first relay, "door" in the single-relay form) for its pulse time. ' +
        'A request while the relay is on leaves the running pulse as it is.',
      run: (args) => {
        const name = args.trim();
        if (/\s/.test(name)) return fail('open-door takes at most one relay name.');
        const names = opener.relayNames;
        if (name !== '' && !names.includes(name)) {
          return fail(unknownName('relay', name, names));
        }
        const r = opener.openBy({ by: 'control', method: 'control', relay: name || undefined });
        if (r.opened) return ok();
        return fail(REASONS[r.reason] ?? `Door not opened: ${r.reason}.`);
      },
    },
  ];
}
