/**
 * Starts the built daemon (`node dist/cli.js run -c FILE`) as a real process
 * in a temp directory, bounded in time, and kills it by PID afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface RunningDaemon {
  proc: ChildProcess;
  dir: string;
  socket: string;
  output(): string;
  /** SIGTERM and the exit code (null if it had to be killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  cleanup(): void;
}

export function tempDir(prefix = 'doorstation-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Use this directory and its socket path `doorbell` instead of a new temp dir. */
  dir?: string;
  /** A command prefix the daemon runs under, e.g. `ip netns exec NAME` (it execs, so the PID stays the daemon's). */
  wrap?: string[];
}

/** `extraToml` is appended after the `[control]` table this writes. */
export async function startDaemon(extraToml = '', opts: StartOptions = {}): Promise<RunningDaemon> {
  const dir = opts.dir ?? tempDir();
  const socket = join(dir, 'doorbell');
  const config = join(dir, 'doorstation.toml');
  // Port 0: the kernel picks, so parallel test files never fight over 5060.
  const sip = extraToml.includes('[sip]') ? '' : '[sip]\nlisten = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]\n';
  writeFileSync(config, `${sip}[control]\nsocket = "${socket}"\n${extraToml}`);
  const argv = [...(opts.wrap ?? []), process.execPath, CLI, 'run', '-c', config];
  const proc = spawn(argv[0]!, argv.slice(1), {
    cwd: dir,
    // The call log and visitor pictures (issue 15) go into the test's own directory, not the user's ~/.local/state.
    env: { ...process.env, JOURNAL_STREAM: '', STATE_DIRECTORY: join(dir, 'state'), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const killer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  killer.unref();

  const deadline = Date.now() + 10_000;
  while (!out.includes('daemon: ready')) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`daemon did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    proc,
    dir,
    socket,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      const hard = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(hard);
      clearTimeout(killer);
      return code;
    },
    cleanup() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes `data` to a Unix socket (optionally half-closing after it) and
 * collects everything the other end sends until it closes or `quietMs`
 * pass with nothing new (`firstMs` for the first reply, if longer).
 */
export function converse(
  socketPath: string,
  data: string | Buffer,
  opts: { halfClose?: boolean; quietMs?: number; firstMs?: number; until?: (text: string) => boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(text);
    };
    const arm = (ms = opts.quietMs ?? 1500) => {
      clearTimeout(timer);
      timer = setTimeout(finish, ms);
    };
    s.on('connect', () => {
      if (opts.halfClose ?? true) s.end(data);
      else s.write(data);
      arm(opts.firstMs);
    });
    s.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      if (opts.until?.(text)) finish();
      else arm();
    });
    s.on('end', finish);
    s.on('error', reject);
  });
}

/** Splits a stream of replies: each starts with `Status:`. */
export function splitReplies(text: string): string[] {
  return text.split(/(?=^Status: )/m).filter((r) => r.length > 0);
}
