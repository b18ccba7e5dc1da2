/**
 * Listeners of one kind of GPIO happening (a press, the exit button, the
 * door contact, a relay pulse). A listener that throws is logged and the
 * others still run: a bug in one must not keep the door from ringing or
 * opening. Registered once, they outlive a stop and a start of the pins.
 */
import type { Logger } from '../log/logger.js';
import { errorDetail } from '../log/error-message.js';

export class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();

  /** `what` names the happening in the error line, e.g. "exit button", or from the arguments. */
  constructor(
    private readonly log: Logger,
    private readonly what: string | ((...args: A) => string),
  ) {}

  /** Returns the remover. */
  add(l: (...args: A) => void): () => void {
    this.set.add(l);
    return () => this.set.delete(l);
  }

  emit(...args: A): void {
    for (const l of [...this.set]) {
      try {
        l(...args);
      } catch (e) {
        const what = typeof this.what === 'string' ? this.what : this.what(...args);
        this.log.error(`${what} handler failed: ${errorDetail(e)}`);
      }
    }
  }
}
