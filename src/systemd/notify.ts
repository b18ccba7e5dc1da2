/**
 * sd_notify(3) without a native addon: READY=1, STOPPING=1, STATUS= and
 * the watchdog keep-alive, all no-ops when NOTIFY_SOCKET is unset (not
 * started by systemd with Type=notify).
 *
 * The protocol is one AF_UNIX datagram, which Node cannot send, so the
 * `systemd-notify` tool sends it (why not an addon: docs/architecture.md,
 * "Why these parts"). Two properties of systemd-notify matter:
 * - As an unprivileged user it cannot claim our PID as sender, so
 *   datagrams come from its own PID: the unit needs NotifyAccess=all.
 *   `--pid=<ours>` still tells systemd that we are the main process
 *   (MAINPID=), even if a wrapper forked.
 * - Since systemd 246 it waits (BARRIER=1) until systemd has processed
 *   the message before it exits, so systemd can still map its PID to our
 *   unit; with --no-block a short-lived sender's message can be dropped.
 *   Hence no --no-block.
 * Cost: one short process per message, i.e. every WatchdogSec/2 — a few
 * milliseconds of CPU on a Pi.
 */
import { spawn } from 'node:child_process';

export interface NotifyLog {
  warn(msg: string): void;
}

export interface NotifyOptions {
  /** Where NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID are read (at each call). */
  env?: NodeJS.ProcessEnv;
  /** Our PID: sent as MAINPID= and compared with WATCHDOG_PID. */
  pid?: number;
  /** The systemd-notify program (found on PATH by default). */
  command?: string;
  /** One systemd-notify run is killed after this long (its own barrier waits 5 s). */
  timeoutMs?: number;
  log?: NotifyLog;
}

export interface WatchdogPinger {
  /** Time between two WATCHDOG=1 messages: half of WATCHDOG_USEC. */
  readonly intervalMs: number;
  stop(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class SystemdNotifier {
  private readonly env: NodeJS.ProcessEnv;
  private readonly pid: number;
  private readonly command: string;
  private readonly timeoutMs: number;
  private readonly log: NotifyLog;
  /** Messages go out one at a time so READY=1 can never overtake STATUS= or follow STOPPING=1. */
  private queue: Promise<unknown> = Promise.resolve();
  private missingReported = false;

  constructor(opts: NotifyOptions = {}) {
    this.env = opts.env ?? process.env;
    this.pid = opts.pid ?? process.pid;
    this.command = opts.command ?? 'systemd-notify';
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = opts.log ?? { warn: (msg) => process.stderr.write(`systemd: ${msg}\n`) };
  }

  /** True when started by systemd with a notify socket. */
  get enabled(): boolean {
    return (this.env.NOTIFY_SOCKET ?? '') !== '';
  }

  /**
   * Sends `KEY=VALUE` fields in one message. Resolves true once systemd
   * has it, false when disabled or on failure (logged, never thrown: a
   * lost notification must not take the door down).
   */
  send(...fields: string[]): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    const run = this.queue.then(() => this.spawnNotify(fields));
    this.queue = run;
    return run;
  }

  ready(status?: string): Promise<boolean> {
    return status === undefined ? this.send('READY=1') : this.send('READY=1', statusField(status));
  }

  stopping(status?: string): Promise<boolean> {
    return status === undefined ? this.send('STOPPING=1') : this.send('STOPPING=1', statusField(status));
  }

  status(text: string): Promise<boolean> {
    return this.send(statusField(text));
  }

  /**
   * Pings WATCHDOG=1 from the event loop every WATCHDOG_USEC/2, so a loop
   * that blocks stops the pings and systemd restarts the daemon. Returns
   * undefined when systemd asked for no watchdog or asked another process
   * (WATCHDOG_PID set and not ours).
   */
  startWatchdog(): WatchdogPinger | undefined {
    if (!this.enabled) return undefined;
    const usec = Number(this.env.WATCHDOG_USEC ?? '');
    if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
    const watchdogPid = this.env.WATCHDOG_PID ?? '';
    if (watchdogPid !== '' && Number(watchdogPid) !== this.pid) return undefined;
    const intervalMs = Math.max(1, Math.floor(usec / 2000));
    let inFlight = false;
    const timer = setInterval(() => {
      // A ping still waiting for systemd is as good as a new one.
      if (inFlight) return;
      inFlight = true;
      void this.send('WATCHDOG=1').finally(() => (inFlight = false));
    }, intervalMs);
    // The pinger alone must not keep a stopping daemon alive.
    timer.unref();
    return { intervalMs, stop: () => clearInterval(timer) };
  }

  private spawnNotify(fields: string[]): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: this.env.NOTIFY_SOCKET };
      if (this.env.PATH !== undefined) env.PATH = this.env.PATH;
      let stderr = '';
      let settled = false;
      const done = (ok: boolean, why?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok && why !== undefined) this.log.warn(why);
        resolve(ok);
      };
      const child = spawn(this.command, [`--pid=${this.pid}`, ...fields], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done(false, `${this.command} ${fields.join(' ')}: no answer from systemd within ${this.timeoutMs} ms`);
      }, this.timeoutMs);
      timer.unref();
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') {
          const first = !this.missingReported;
          this.missingReported = true;
          done(false, first ? `${this.command} not found: cannot notify systemd (install the systemd package)` : undefined);
        } else done(false, `${this.command}: ${e.message}`);
      });
      child.on('close', (code, signal) => {
        if (code === 0) done(true);
        else done(false, `${this.command} ${fields.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`);
      });
    });
  }
}

/** The protocol is newline-separated KEY=VALUE: a status must stay on one line. */
function statusField(text: string): string {
  return `STATUS=${text.replace(/[\r\n]+/g, ' ')}`;
}

let defaultNotifier: SystemdNotifier | undefined;

function notifier(): SystemdNotifier {
  defaultNotifier ??= new SystemdNotifier();
  return defaultNotifier;
}

/** sd_notify("READY=1") for this process. */
export function notifyReady(status?: string): Promise<boolean> {
  return notifier().ready(status);
}

/** sd_notify("STOPPING=1") for this process. */
export function notifyStopping(status?: string): Promise<boolean> {
  return notifier().stopping(status);
}

/** sd_notify("STATUS=...") for this process: shown by `systemctl status`. */
export function notifyStatus(text: string): Promise<boolean> {
  return notifier().status(text);
}

/** The watchdog pinger for this process; see SystemdNotifier.startWatchdog. */
export function startWatchdog(): WatchdogPinger | undefined {
  return notifier().startWatchdog();
}
