/**
 * The door panel's inputs from the control socket (issue 15), so tests, the
 * demo and an installer at a shell can work every input:
 *   press-exit              the exit button, both backends (as `press`: on
 *                           "sim" the pin moves, on "onoff" the debouncer is fed)
 *   door-contact open|closed  the simulated door; refused on real GPIO, where
 *                           a faked contact would hide what the real door does
 */
import type { Command } from '../registry.js';
import { fail, outcomeReply } from '../reply.js';
import type { DoorPanel } from '../../gpio/door-panel.js';
import { GPIO_UNAVAILABLE } from './press-command.js';

export const NO_EXIT_BUTTON = 'No exit button configured (exit_button.line).';
export const NO_DOOR_CONTACT = 'No door contact configured (door_contact.line).';
export const CONTACT_NOT_SIMULATED = 'door-contact works only with gpio.backend = "sim": on real GPIO the door contact is the door.';

export function panelCommands(panel: Pick<DoorPanel, 'pressExit' | 'setDoorContact'>): Command[] {
  return [
    {
      name: 'press-exit',
      syntax: 'press-exit',
      description: 'Presses the exit button in software: debounce, then its relay opens (door-opened, Method exit). Answers once released.',
      run: async (args) => {
        if (args !== '') return fail('press-exit takes no arguments.');
        const r = await panel.pressExit();
        return outcomeReply(r.status, { pressed: null, 'no-exit-button': NO_EXIT_BUTTON, unavailable: GPIO_UNAVAILABLE });
      },
    },
    {
      name: 'door-contact',
      syntax: 'door-contact open|closed',
      description: 'Opens or closes the simulated door (gpio.backend = "sim" only): door-state, and door-forced or door-held-open as a real door would.',
      run: async (args) => {
        if (args !== 'open' && args !== 'closed') return fail('door-contact takes "open" or "closed".');
        const r = await panel.setDoorContact(args === 'open');
        return outcomeReply(r.status, {
          ok: null,
          'no-door-contact': NO_DOOR_CONTACT,
          'not-simulated': CONTACT_NOT_SIMULATED,
          unavailable: GPIO_UNAVAILABLE,
        });
      },
    },
  ];
}
