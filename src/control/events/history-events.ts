/**
 * The call recorder's events on the control socket (issue 15):
 *   visitor-picture  Id (the call), Button, Path (the JPEG written)
 */
import type { EventSink } from '../../events/event-sink.js';
import type { Listens } from '../../events/typed-emitter.js';
import type { CallRecorderEvents } from '../../door/history/call-recorder.js';

export const VISITOR_PICTURE = 'visitor-picture';

export function publishHistoryEvents(recorder: Listens<CallRecorderEvents>, events: EventSink): void {
  recorder.on('picture', ({ id, button, path }) =>
    events.publish({
      type: VISITOR_PICTURE,
      body: [
        ['Id', id],
        ['Button', button],
        ['Path', path],
      ],
    }),
  );
}
