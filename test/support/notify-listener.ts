/**
 * A fake systemd notify socket for tests. Node cannot receive AF_UNIX
 * datagrams either, so a small python3 process binds the socket and prints
 * each datagram as one JSON string per line. It closes the file
 * descriptors that come with BARRIER=1, which is what lets systemd-notify
 * finish, just as systemd does. python3 rather than socat: socat prints
 * datagrams back to back with no boundary, and this must tell them apart.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const RECEIVER = String.raw`
import array, json, os, socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
print(json.dumps("listening"), flush=True)
fd_size = array.array("i").itemsize
while True:
    data, anc, _flags, _addr = s.recvmsg(65536, socket.CMSG_SPACE(16 * fd_size))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % fd_size])
            for fd in fds:
                os.close(fd)
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
`;

export const hasPython3 = spawnSync('python3', ['-c', 'pass'], { stdio: 'ignore' }).status === 0;
export const hasSystemdNotify = spawnSync('systemd-notify', ['--help'], { stdio: 'ignore' }).status === 0;

export interface NotifyListener {
  /** The value for NOTIFY_SOCKET. */
  readonly address: string;
  /** Every datagram received so far, BARRIER=1 ones included. */
  readonly messages: string[];
  /** Resolves with the `count`-th message (past or future) that `match` accepts. */
  waitFor(match: (message: string) => boolean, timeoutMs?: number, count?: number): Promise<string>;
  close(): void;
}

/** `abstract`: an `@name` socket in the abstract namespace instead of a file. */
export async function listenNotify(opts: { abstract?: boolean; lifetimeMs?: number } = {}): Promise<NotifyListener> {
  const dir = mkdtempSync(join(tmpdir(), 'doorstation-notify-'));
  const address = opts.abstract
    ? `@doorstation-test-${process.pid}-${Math.random().toString(36).slice(2)}`
    : join(dir, 'notify');
  const proc: ChildProcess = spawn('python3', ['-c', RECEIVER, address], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Bounded: a test that forgets close() must not leave it running.
  const killer = setTimeout(() => proc.kill('SIGKILL'), opts.lifetimeMs ?? 60_000);
  killer.unref();

  const messages: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let listening!: () => void;
  const started = new Promise<void>((resolve) => (listening = resolve));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const text = JSON.parse(line) as string;
    if (text === 'listening' && messages.length === 0) return listening();
    messages.push(text);
    for (const w of waiters) w();
  });
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', (code) => reject(new Error(`notify listener exited (${code}): ${stderr}`))),
  );
  exited.catch(() => {});
  await Promise.race([started, exited]);

  return {
    address,
    messages,
    waitFor(match, timeoutMs = 10_000, count = 1) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const hit = messages.filter(match)[count - 1];
          if (hit === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${count} matching notify message(s) within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close() {
      clearTimeout(killer);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The KEY=VALUE fields of one message. */
export function fields(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of message.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) map.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return map;
}
