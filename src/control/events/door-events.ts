/**
 * The door opener's events as control-socket events (SPEC section 3):
 *   door-opened    By, Method (dtmf | info | message | control | exit), Relay
 *   door-refused   By, Method, Reason (wrong-code | not-allowed | locked |
 *                  no-code | no-relay | disarmed | unavailable); for
 *                  wrong-code also Attempts and Max-attempts
 *   door-locked    By, Method (of the attempt that locked), Attempts,
 *                  Seconds, Until (ISO 8601 UTC)
 *   door-unlocked  (no fields) when the lockout ends
 * and the door contact's (door/door-contact-monitor.ts, issue 15):
 *   door-state     State (open | closed)
 *   door-held-open Seconds
 *   door-forced    (no fields)
 * Clients match on these names and fields in this order, so they are
 * written here and nowhere else.
 */
import type { EventSink } from '../../events/event-sink.js';
import type { DoorOpener } from '../../door/opener/door-opener.js';
import type { DoorContactMonitor } from '../../door/door-contact-monitor.js';

export const DOOR_OPENED = 'door-opened';
export const DOOR_REFUSED = 'door-refused';
export const DOOR_LOCKED = 'door-locked';
export const DOOR_UNLOCKED = 'door-unlocked';
export const DOOR_STATE = 'door-state';
export const DOOR_HELD_OPEN = 'door-held-open';
export const DOOR_FORCED = 'door-forced';

export function publishDoorEvents(opener: Pick<DoorOpener, 'on'>, events: EventSink): void {
  opener.on('opened', ({ by, method, relay }) => events.publish({ type: DOOR_OPENED, body: [['By', by], ['Method', method], ['Relay', relay]] }));
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

export function publishDoorContactEvents(contact: Pick<DoorContactMonitor, 'on'>, events: EventSink): void {
  contact.on('state', ({ open }) => events.publish({ type: DOOR_STATE, body: [['State', open ? 'open' : 'closed']] }));
  contact.on('held-open', ({ seconds }) => events.publish({ type: DOOR_HELD_OPEN, body: [['Seconds', seconds]] }));
  contact.on('forced', () => events.publish({ type: DOOR_FORCED, body: [] }));
}
