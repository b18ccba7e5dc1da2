/**
 * SIPp on 127.0.0.1 (Debian's sip-tester): one scenario, one call (-m 1)
 * unless told more, bounded in time, killed by PID; its exit code says
 * whether every expected message came. As a home screen (UAS) by default, as a caller
 * when `remote` is given. Every message it saw and every error it logged
 * go to files that `output()` includes, so a failed scenario says why.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnBounded } from './bounded-process.js';

export const hasSipp = spawnSync('sipp', ['-v']).status !== null && spawnSync('sh', ['-c', 'command -v sipp']).status === 0;

export interface RunningSipp {
  name: string;
  port: number;
  proc: ChildProcess;
  /** Exit code: 0 when the scenario ran to its end. */
  exited: Promise<number | null>;
  /** Its stdout/stderr, then its error log and message trace. */
  output(): string;
  /** The whole message trace (every message SIPp sent and received), for checks on bodies. */
  trace(): string;
  kill(): void;
}

export interface SippOptions {
  /** `host:port` to call: SIPp runs the scenario as a UAC. */
  remote?: string;
  lifetimeMs?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** A command prefix SIPp runs under, e.g. `ip netns exec NAME` (it execs, so the PID stays SIPp's). */
  wrap?: string[];
  /** Calls to run before exiting (-m); default 1. */
  calls?: number;
}

export function scenario(name: string): string {
  return fileURLToPath(new URL(`./fixtures/sipp/${name}.xml`, import.meta.url));
}

export function startSipp(name: string, port: number, keys: Record<string, string | number> = {}, opts: SippOptions | number = {}): RunningSipp {
  const { remote, lifetimeMs = 60_000, host = '127.0.0.1', wrap = [], calls = 1 } = typeof opts === 'number' ? { lifetimeMs: opts } : opts;
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const errors = join(dir, 'errors.log');
  const messages = join(dir, 'messages.log');
  const args = ['-sf', scenario(name), '-i', host, '-p', String(port), '-m', String(calls), '-nostdin', '-timeout', `${Math.round(lifetimeMs / 1000)}s`, '-timeout_error'];
  args.push('-trace_err', '-error_file', errors, '-trace_msg', '-message_file', messages);
  for (const [k, v] of Object.entries(keys)) args.push('-key', k, String(v));
  if (remote) args.push(remote);
  const argv = [...wrap, 'sipp', ...args];
  const { proc, exited, kill } = spawnBounded(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }, lifetimeMs + 5000);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const read = (f: string, max = 20_000) => {
    try {
      return readFileSync(f, 'utf8').slice(-max);
    } catch {
      return '';
    }
  };
  return {
    name,
    port,
    proc,
    exited,
    output: () => `${out}\n--- ${name} errors ---\n${read(errors)}\n--- ${name} messages ---\n${read(messages)}`,
    trace: () => read(messages, Infinity),
    kill: () => void kill().then(() => rmSync(dir, { recursive: true, force: true })),
  };
}

/**
 * Waits for the scenario's end and throws what SIPp saw unless it ran to
 * its end (no vitest import: benches use these helpers too).
 */
export async function expectScenarioEnded(sipp: RunningSipp): Promise<void> {
  const code = await sipp.exited;
  if (code !== 0) throw new Error(`SIPp ${sipp.name} exited ${code}:\n${sipp.output()}`);
}
