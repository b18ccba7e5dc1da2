/**
 * What a test started and must stop: each start pushes its undo here, and
 * they run newest first after every test (a screen stops after the door
 * that called it, a watcher closes before its daemon stops).
 */
import { afterEach } from 'vitest';

export type Cleanups = Array<() => unknown>;

/** A list emptied after each test of the enclosing describe (or file), newest first. */
export function useCleanups(): Cleanups {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}
