/**
 * Events for the control socket (SPEC section 3). Unlike linphone-daemon,
 * which drains its queue to stdout whenever no client is connected
 * (LINPHONE-DAEMON.md §4), events stay queued for the next `pop-event`
 * until the bound is reached, and are also pushed to every connection that
 * asked with `events on`.
 */
import type { Logger } from '../log/logger.js';
import type { EventSink, PublishedEvent } from '../events/event-sink.js';
import { formatBody } from './reply.js';

export type ControlEvent = PublishedEvent;

export const MAX_QUEUED_EVENTS = 1000;

export function formatEvent(event: ControlEvent): string {
  return `Event-type: ${event.type}\n\n${formatBody(event.body)}`;
}

export class EventBus implements EventSink {
  private readonly queue: ControlEvent[] = [];
  private readonly subscribers = new Set<(e: ControlEvent) => void>();
  private dropped = 0;

  constructor(
    private readonly log: Logger,
    private readonly limit = MAX_QUEUED_EVENTS,
  ) {}

  publish(event: ControlEvent): void {
    this.log.info(`event ${event.type} ${event.body.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    this.queue.push(event);
    if (this.queue.length > this.limit) {
      this.queue.shift();
      // Warn once per overflow run, not once per event: a flood must not flood the log too.
      if (this.dropped++ === 0) this.log.warn(`event queue full (${this.limit}): dropping the oldest; nobody calls pop-event`);
    } else {
      this.dropped = 0;
    }
    for (const s of this.subscribers) s(event);
  }

  /** The oldest event and how many remain after it (linphone's `Size:`). */
  pop(): { event: ControlEvent | undefined; remaining: number } {
    const event = this.queue.shift();
    return { event, remaining: this.queue.length };
  }

  get size(): number {
    return this.queue.length;
  }

  subscribe(fn: (e: ControlEvent) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
