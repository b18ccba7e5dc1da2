/**
 * A `gst-launch-1.0` peer as a child process: line-buffered output (stdbuf)
 * we can wait on and count in, a lifetime after which it is killed
 * whatever happens, and kill by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface GstLaunch {
  proc: ChildProcess;
  output(): string;
  count(re: RegExp): number;
  /** performance.now() when `re` first matched a chunk of output. */
  firstAt(re: RegExp): number | undefined;
  waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean>;
  kill(): Promise<void>;
}

export function gstLaunch(args: string[], opts: { lifetimeMs?: number; watch?: RegExp[] } = {}): GstLaunch {
  const proc = spawn('stdbuf', ['-oL', 'gst-launch-1.0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const counts = new Map<string, number>();
  const firsts = new Map<string, number>();
  const watch = opts.watch ?? [];
  const waiters = new Set<() => void>();
  let tail = '';
  const onData = (d: Buffer) => {
    // Count per complete line, so a match split across chunks still counts once.
    const text = tail + d.toString();
    const lines = text.split('\n');
    tail = lines.pop() ?? '';
    out = (out + d.toString()).slice(-50_000);
    for (const line of lines) {
      for (const re of watch) {
        if (!re.test(line)) continue;
        counts.set(re.source, (counts.get(re.source) ?? 0) + 1);
        if (!firsts.has(re.source)) firsts.set(re.source, performance.now());
      }
    }
    for (const w of waiters) w();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const lifetime = setTimeout(() => proc.kill('SIGKILL'), opts.lifetimeMs ?? 60_000);
  lifetime.unref();
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  let gone = false;
  void exited.then(() => {
    gone = true;
    for (const w of waiters) w();
  });

  return {
    proc,
    output: () => out,
    count: (re) => counts.get(re.source) ?? 0,
    firstAt: (re) => firsts.get(re.source),
    waitFor: (cond, timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (cond()) return resolve(true);
        const check = () => {
          if (cond()) done(true);
          else if (gone) done(false);
        };
        const t = setTimeout(() => done(false), timeoutMs);
        const done = (v: boolean) => {
          clearTimeout(t);
          waiters.delete(check);
          resolve(v);
        };
        waiters.add(check);
      }),
    kill: async () => {
      clearTimeout(lifetime);
      if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
        process.kill(proc.pid, 'SIGKILL');
        await exited;
      }
    },
  };
}

/** gst-launch prints this once its sources are bound and running. */
export const PLAYING = /Setting pipeline to PLAYING/;
/** fakesink silent=false under -v: one line per buffer it gets. */
export const CHAIN = /last-message = chain/;
