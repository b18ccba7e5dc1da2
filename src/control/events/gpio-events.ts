/**
 * GPIO's presses as the control socket's `button-pressed` event (SPEC
 * section 3): one per debounced press, a finger's or the `press` command's,
 * with the button's name (issue 15).
 */
import type { EventSink } from '../../events/event-sink.js';
import type { DoorHardware } from '../../gpio/door-hardware.js';

export const BUTTON_PRESSED = 'button-pressed';

/** Wire it before the ring, so that a client sees the press before the call it starts. */
export function publishGpioEvents(gpio: Pick<DoorHardware, 'onPress'>, events: EventSink): void {
  gpio.onPress((button) => events.publish({ type: BUTTON_PRESSED, body: [['Button', button]] }));
}
