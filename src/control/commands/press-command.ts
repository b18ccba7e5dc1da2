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
import { fail, ok } from '../reply.js';
import type { DoorHardware } from '../../gpio/door-hardware.js';

export const NO_BUTTON = 'No button configured.';
export const GPIO_UNAVAILABLE = 'GPIO is not running.';

export function pressCommands(hardware: Pick<DoorHardware, 'press'>): Command[] {
  return [
    {
      name: 'press',
      syntax: 'press',
      description:
        'Presses the button in software: debounce, button-pressed event and ring, as a finger would. ' +
        'Answers once the simulated button is released.',
      run: async (args) => {
        if (args !== '') return fail('press takes no arguments.');
        const r = await hardware.press();
        switch (r.status) {
          case 'pressed':
            return ok();
          case 'no-button':
            return fail(NO_BUTTON);
          case 'unavailable':
            return fail(GPIO_UNAVAILABLE);
        }
      },
    },
  ];
}
