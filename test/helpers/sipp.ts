/**
 * SIPp as a home screen on 127.0.0.1 (Debian's sip-tester): one scenario,
 * one call (-m 1), bounded in time, killed by PID; its exit code says
 * whether every expected message came.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const hasSipp = spawnSync('sipp', ['-v']).status !== null && spawnSync('sh', ['-c', 'command -v sipp']).status === 0;

export interface RunningSipp {
  port: number;
  proc: ChildProcess;
  /** Exit code: 0 when the scenario ran to its end. */
  exited: Promise<number | null>;
  output(): string;
  kill(): void;
}

export function scenario(name: string): string {
  return fileURLToPath(new URL(`../fixtures/sipp/${name}.xml`, import.meta.url));
}

export function startSipp(name: string, port: number, keys: Record<string, string | number> = {}, lifetimeMs = 60_000): RunningSipp {
  const args = ['-sf', scenario(name), '-i', '127.0.0.1', '-p', String(port), '-m', '1', '-nostdin', '-timeout', `${Math.round(lifetimeMs / 1000)}s`, '-timeout_error'];
  for (const [k, v] of Object.entries(keys)) args.push('-key', k, String(v));
  const proc = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const killer = setTimeout(() => proc.kill('SIGKILL'), lifetimeMs + 5000);
  killer.unref();
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    }),
  );
  return { port, proc, exited, output: () => out, kill: () => proc.kill('SIGKILL') };
}
