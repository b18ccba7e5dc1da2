/**
 * Every program a test starts lives a bounded time and is killed by PID:
 * a hung peer must never outlive its test or hold its ports.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface BoundedProcess {
  proc: ChildProcess;
  /** Exit code, null when killed by a signal. */
  exited: Promise<number | null>;
  /** SIGKILL by PID (if still running), resolved once it is gone. */
  kill(): Promise<void>;
}

export function spawnBounded(cmd: string, args: string[], options: SpawnOptions, lifetimeMs: number): BoundedProcess {
  const proc = spawn(cmd, args, options);
  const lifetime = setTimeout(() => proc.kill('SIGKILL'), lifetimeMs);
  lifetime.unref();
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(lifetime);
      resolve(code);
    }),
  );
  return {
    proc,
    exited,
    kill: async () => {
      clearTimeout(lifetime);
      if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
        process.kill(proc.pid, 'SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `cond` until true; false after `timeoutMs` or as soon as `proc` has exited. */
export async function waitWhileRunning(proc: ChildProcess, cond: () => boolean, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline || proc.exitCode !== null) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return true;
}
