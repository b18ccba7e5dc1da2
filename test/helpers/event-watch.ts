/**
 * A control connection with `events on`, keeping every pushed event with
 * the time it arrived: for measuring how long a fault lasts (media-error
 * to media-recovered) without polling.
 */
import { connect, type Socket } from 'node:net';
import { frame } from './control-stream.js';

export interface WatchedEvent {
  at: number;
  type: string;
  fields: Record<string, string>;
}

export interface EventWatch {
  events: WatchedEvent[];
  /** Resolves with the first event (after `from` in the list) that `match` accepts, or undefined after `ms`. */
  next(match: (e: WatchedEvent) => boolean, ms: number, from?: number): Promise<WatchedEvent | undefined>;
  close(): void;
}

export function watchEvents(socketPath: string): Promise<EventWatch> {
  return new Promise((resolve, reject) => {
    const events: WatchedEvent[] = [];
    let text = '';
    const s: Socket = connect(socketPath, () => s.write('events on\n'));
    s.on('data', (d: Buffer) => {
      const at = Date.now();
      text += d.toString('utf8');
      const seen = frame(text).events;
      for (const raw of seen.slice(events.length)) {
        const fields: Record<string, string> = {};
        for (const m of raw.matchAll(/^([A-Za-z-]+): (.*)$/gm)) fields[m[1]!] = m[2]!;
        events.push({ at, type: fields['Event-type'] ?? '', fields });
      }
      if (text.startsWith('Status: Ok\n\n') && !started) {
        started = true;
        resolve(watch);
      }
    });
    s.on('error', reject);
    let started = false;
    const watch: EventWatch = {
      events,
      async next(match, ms, from = 0) {
        const deadline = Date.now() + ms;
        for (;;) {
          const e = events.slice(from).find(match);
          if (e || Date.now() > deadline) return e;
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      close: () => s.destroy(),
    };
  });
}
