/** A stand-in for `process` so tests can fire 'exit' and signals without touching the test runner's own. */
import { EventEmitter } from 'node:events';
import { exitGuard, type ExitGuard, type GuardedProcess } from '../../src/gpio/exit-guard.js';

export class FakeProcess extends EventEmitter implements GuardedProcess {
  readonly pid = 4242;
  readonly killed: Array<[number, string]> = [];
  kill(pid: number, signal: string): boolean {
    this.killed.push([pid, signal]);
    return true;
  }
}

export function fakeGuard(): { proc: FakeProcess; guard: ExitGuard } {
  const proc = new FakeProcess();
  return { proc, guard: exitGuard(proc) };
}
