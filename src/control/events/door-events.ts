/**
 * The door opener's events as control-socket events (SPEC section 3):
 *   door-opened    By, Method
 *   door-refused   By, Method, Reason (wrong-code | not-allowed | locked |
 *                  no-code | no-relay | disarmed | unavailable); for
 *                  wrong-code also Attempts and Max-attempts
 *   door-locked    By, Method (of the attempt that locked), Attempts,
 *                  Seconds, Until (ISO 8601 UTC)
 *   door-unlocked  (no fields) when the lockout ends
 * Clients match on these names and fields in this order, so they are
 * written here and nowhere else.
 */
import type { EventSink } from '../../events/event-sink.js';
import type { DoorOpener } from '../../door/opener/door-opener.js';

export const DOOR_OPENED = 'door-opened';
export const DOOR_REFUSED = 'door-refused';
export const DOOR_LOCKED = 'door-locked';
export const DOOR_UNLOCKED = 'door-unlocked';

export function publishDoorEvents(opener: Pick<DoorOpener, 'on'>, events: EventSink): void {
  opener.on('opened', ({ by, method }) => events.publish({ type: DOOR_OPENED, body: [['By', by], ['Method', method]] }));
  opener.on('refused', ({ by, method, reason, attempts }) =>
    events.publish({
      type: DOOR_REFUSED,
      body: [
        ['By', by],
        ['Method', method],
        ['Reason', reason],
        ...(attempts ? ([['Attempts', attempts.count], ['Max-attempts', attempts.max]] as const) : []),
      ],
    }),
  );
  opener.on('locked', ({ by, method, attempts, seconds, until }) =>
    events.publish({
      type: DOOR_LOCKED,
      body: [['By', by], ['Method', method], ['Attempts', attempts], ['Seconds', seconds], ['Until', until.toISOString()]],
    }),
  );
  opener.on('unlocked', () => events.publish({ type: DOOR_UNLOCKED, body: [] }));
}
