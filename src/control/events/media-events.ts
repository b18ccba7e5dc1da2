/**
 * Media faults as control-socket events: a camera missing or gone, a
 * sound card that fails, and their recovery. A screen that stays black
 * or silent is otherwise explained only in the journal, which the people
 * scripting the socket (home automation) never see.
 */
import type { MediaEngine } from '../../media/media-engine.js';
import type { EventSink } from '../../events/event-sink.js';
import { oneLine, type Body } from '../reply.js';

export function publishMediaEvents(media: MediaEngine, events: EventSink): void {
  media.on('error', (e) => {
    const body: Body = [
      ['Component', e.component],
      // GStreamer's texts may hold newlines, which would end the event early.
      ['Reason', oneLine(e.message)],
      // "never": a config problem (no such element); otherwise when it is tried again.
      ['Retry-in-ms', e.retryInMs ?? 'never'],
      ...(e.attempt !== undefined ? ([['Attempt', e.attempt]] as const) : []),
    ];
    events.publish({ type: 'media-error', body });
  });
  media.on('recovered', (component) => events.publish({ type: 'media-recovered', body: [['Component', component]] }));
}
