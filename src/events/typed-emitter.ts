/**
 * Node's EventEmitter with the event names and argument lists checked at
 * compile time. Events is a map from name to argument tuple.
 */
import { EventEmitter } from 'node:events';

export type EventMap = Record<string, unknown[]>;

export class TypedEmitter<Events extends EventMap> {
  private readonly ee = new EventEmitter();

  on<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.ee.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.ee.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: (...args: Events[K]) => void): this {
    this.ee.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /**
   * A listener that throws must not unwind into GStreamer callbacks or
   * timers of the engine (a GStreamer error never throws out of the
   * engine, and neither should a listener's bug break the media): such a
   * throw is re-raised on its own tick, where the process's handlers see it.
   */
  protected emit<K extends keyof Events & string>(event: K, ...args: Events[K]): void {
    for (const l of this.ee.listeners(event)) {
      try {
        (l as (...a: Events[K]) => void)(...args);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}

/** What a consumer of a TypedEmitter needs of it: to listen (test doubles implement only this). */
export interface Listens<E extends EventMap> {
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): unknown;
}
