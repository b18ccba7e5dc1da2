/**
 * `ring-started` (issue 15): one per press or `ring` that starts a call,
 * saying which button, which of its plans was in force and whom it rings,
 * before the call's first call-state-changed event.
 */
import type { DoorStation } from '../../door/door-station.js';
import type { EventSink } from '../../events/event-sink.js';

export const RING_STARTED = 'ring-started';

export function publishRingEvents(door: Pick<DoorStation, 'on'>, events: EventSink): void {
  door.on('ring', (r) =>
    events.publish({
      type: RING_STARTED,
      body: [['Id', r.id], ['Button', r.button], ['Plan', r.plan], ['Mode', r.mode], ['Targets', r.targets.join(', ') || 'none']],
    }),
  );
}
