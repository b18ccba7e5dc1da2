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
/**
 * Log lines per event type and window: a flood of refusals (MESSAGEs from
 * strangers, each a `door-refused`) must not flood the journal. Every event
 * is still queued and pushed; only its log line is counted past the bound.
 */
export const LOGGED_EVENTS_PER_WINDOW = 20;
export const EVENT_LOG_WINDOW_MS = 10_000;

export function formatEvent(event: ControlEvent): string {
  return `Event-type: ${event.type}\n\n${formatBody(event.body)}`;
}

export class EventBus implements EventSink {
  private readonly queue: ControlEvent[] = [];
  private readonly subscribers = new Set<(e: ControlEvent) => void>();
  private dropped = 0;
  private readonly logged = new Map<string, { since: number; lines: number; unlogged: number }>();

  constructor(
    private readonly log: Logger,
    private readonly limit = MAX_QUEUED_EVENTS,
  ) {}

  publish(event: ControlEvent): void {
    this.logEvent(event);
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

  private logEvent(event: ControlEvent): void {
    const now = Date.now();
    let w = this.logged.get(event.type);
    if (!w || now - w.since >= EVENT_LOG_WINDOW_MS) {
      if (w && w.unlogged > 0) this.log.warn(`${w.unlogged} more ${event.type} events not logged in ${EVENT_LOG_WINDOW_MS / 1000} s`);
      w = { since: now, lines: 0, unlogged: 0 };
      this.logged.set(event.type, w);
    }
    if (w.lines++ < LOGGED_EVENTS_PER_WINDOW) this.log.info(`event ${event.type} ${event.body.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    else w.unlogged++;
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
