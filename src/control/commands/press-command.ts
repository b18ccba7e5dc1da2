/**
 * The `press` control command (SPEC section 3).
 *
 * `press` works with both backends: on "sim" it moves the simulated pin,
 * on "onoff" it feeds the debouncer as the pin would (the real pin is an
 * input and is not driven). Either way it is a full press, debounce and
 * `button-pressed` event included, so an installer can test the call plan
 * from a shell without walking to the door.
 */
import type { Command } from '../registry.js';
import { fail, outcomeReply } from '../reply.js';
import type { DoorHardware } from '../../gpio/door-hardware.js';
import { unknownName } from '../../config/names.js';

export const NO_BUTTON = 'No button configured.';
export const GPIO_UNAVAILABLE = 'GPIO is not running.';

export function pressCommands(hardware: Pick<DoorHardware, 'press'>): Command[] {
  return [
    {
      name: 'press',
      syntax: 'press [<button>]',
      description:
        'Presses a button in software (none named: the first): debounce, button-pressed event and ring, as a finger would. ' +
        'Answers once the simulated button is released.',
      run: async (args) => {
        const words = args.split(/\s+/).filter(Boolean);
        if (words.length > 1) return fail('press takes at most one argument, a button name.');
        const r = await hardware.press(words[0]);
        if (r.status === 'unknown-button') return fail(unknownName('button', words[0]!, r.names));
        return outcomeReply(r.status, { pressed: null, 'no-button': NO_BUTTON, unavailable: GPIO_UNAVAILABLE });
      },
    },
  ];
}
