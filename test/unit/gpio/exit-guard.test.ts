import { describe, expect, it } from 'vitest';
import { exitGuard, type OffReason } from '../../../src/gpio/exit-guard.js';
import { FakeProcess } from '../../support/fake-process.js';

describe('exit guard', () => {
  it('switches off on exit and on an uncaught exception', () => {
    const proc = new FakeProcess();
    const calls: OffReason[] = [];
    exitGuard(proc).add((r) => calls.push(r));
    proc.emit('uncaughtExceptionMonitor', new Error('boom'));
    proc.emit('exit', 1);
    expect(calls).toEqual(['crash', 'exit']);
  });

  // SIGHUP too: unhandled, it ends the process, so the relay goes off as it dies.
  it.each(['SIGTERM', 'SIGHUP'])('on a %s nobody else handles: switches off, removes itself and raises the signal again', (signal) => {
    const proc = new FakeProcess();
    const calls: OffReason[] = [];
    exitGuard(proc).add((r) => calls.push(r));
    proc.emit(signal, signal);
    expect(calls).toEqual(['signal']);
    expect(proc.killed).toEqual([[4242, signal]]);
    expect(proc.listenerCount(signal)).toBe(0);
    expect(proc.listenerCount('exit')).toBe(0);
  });

  it('on a signal the daemon handles too: switches off and lets the daemon carry on', () => {
    const proc = new FakeProcess();
    const calls: string[] = [];
    // Registered before the guard, and still the guard runs first.
    proc.on('SIGINT', () => calls.push('daemon stops gracefully'));
    exitGuard(proc).add((r) => calls.push(r));
    proc.emit('SIGINT', 'SIGINT');
    expect(calls).toEqual(['signal', 'daemon stops gracefully']);
    expect(proc.killed).toEqual([]);
  });

  it('SIGHUP the daemon handles (it logs and ignores it) leaves the relay alone', () => {
    const proc = new FakeProcess();
    const calls: string[] = [];
    proc.on('SIGHUP', () => calls.push('daemon logs and ignores'));
    exitGuard(proc).add((r) => calls.push(r));
    proc.emit('SIGHUP', 'SIGHUP');
    expect(calls).toEqual(['daemon logs and ignores']);
    expect(proc.killed).toEqual([]);
  });

  it('keeps one set of listeners for many relays and removes it with the last', () => {
    const proc = new FakeProcess();
    const a = exitGuard(proc).add(() => {});
    const b = exitGuard(proc).add(() => {});
    expect(proc.listenerCount('exit')).toBe(1);
    expect(proc.listenerCount('SIGTERM')).toBe(1);
    a();
    expect(proc.listenerCount('exit')).toBe(1);
    b();
    expect(proc.listenerCount('exit')).toBe(0);
    expect(proc.listenerCount('SIGHUP')).toBe(0);
  });

  it('a callback that throws does not stop the others', () => {
    const proc = new FakeProcess();
    const calls: string[] = [];
    exitGuard(proc).add(() => {
      throw new Error('EIO');
    });
    exitGuard(proc).add(() => calls.push('second'));
    proc.emit('exit', 0);
    expect(calls).toEqual(['second']);
  });
});
