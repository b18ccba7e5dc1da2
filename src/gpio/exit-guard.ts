/**
 * Runs "switch off" callbacks however the process ends, so a relay is never
 * left energised: normal exit and process.exit() ('exit'), an uncaught
 * exception ('uncaughtExceptionMonitor', before anything else reacts, and
 * 'exit' after), SIGTERM/SIGINT/SIGHUP (at once, not after a graceful stop
 * that may take seconds). SIGKILL and power loss cannot be caught: that is
 * what driving the relay off at start-up is for.
 *
 * Signals keep their usual meaning: when no one else listens for one, the
 * guard removes itself and raises it again, so the process still dies of
 * it (as signal-exit does). When someone else listens (the daemon's
 * graceful stop), the guard only switches off and lets them carry on;
 * except SIGHUP, which the daemon ignores: then the guard does nothing.
 */

export type OffReason = 'exit' | 'crash' | 'signal';

/** The part of `process` the guard uses; tests pass a stand-in. */
export interface GuardedProcess {
  readonly pid: number;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  prependListener(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  kill(pid: number, signal: string): unknown;
}

export interface ExitGuard {
  /** `off` must be synchronous and must not throw for long: it runs inside 'exit'. Returns the remover. */
  add(off: (reason: OffReason) => void): () => void;
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

class ProcessExitGuard implements ExitGuard {
  private readonly offs = new Set<(reason: OffReason) => void>();
  private installed = false;

  constructor(private readonly proc: GuardedProcess) {}

  add(off: (reason: OffReason) => void): () => void {
    this.offs.add(off);
    if (!this.installed) this.install();
    return () => {
      this.offs.delete(off);
      // Nothing left to guard: leave no listeners behind (tests, in-process restarts).
      if (this.offs.size === 0) this.uninstall();
    };
  }

  private readonly onExit = (): void => this.runAll('exit');
  private readonly onCrash = (): void => this.runAll('crash');
  private readonly onSignal = (name: unknown): void => {
    const signal = String(name);
    // A SIGHUP the daemon handles (it logs and ignores it) does not end the process: the relay keeps working.
    if (signal === 'SIGHUP' && this.proc.listenerCount(signal) > 1) return;
    this.runAll('signal');
    if (this.proc.listenerCount(signal) === 1) {
      this.uninstall();
      this.proc.kill(this.proc.pid, signal);
    }
  };

  private runAll(reason: OffReason): void {
    for (const off of [...this.offs]) {
      try {
        off(reason);
      } catch {
        // One line failing to switch off must not stop the others from trying.
      }
    }
  }

  private install(): void {
    this.installed = true;
    this.proc.on('exit', this.onExit);
    this.proc.on('uncaughtExceptionMonitor', this.onCrash);
    // First in line: the relay goes off before a graceful stop that may take seconds, whoever registered first.
    for (const s of SIGNALS) this.proc.prependListener(s, this.onSignal);
  }

  private uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    this.proc.removeListener('exit', this.onExit);
    this.proc.removeListener('uncaughtExceptionMonitor', this.onCrash);
    for (const s of SIGNALS) this.proc.removeListener(s, this.onSignal);
  }
}

const guards = new WeakMap<GuardedProcess, ExitGuard>();

/** One guard per process, however many relays: one set of listeners, no MaxListeners warnings. */
export function exitGuard(proc: GuardedProcess = process): ExitGuard {
  let g = guards.get(proc);
  if (!g) {
    g = new ProcessExitGuard(proc);
    guards.set(proc, g);
  }
  return g;
}
