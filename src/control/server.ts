/**
 * The Unix-socket command server (SPEC section 3), framed like
 * linphone-daemon's `--pipe` so `echo "call sip:x@y" | socat - /tmp/doorbell`
 * keeps working. Supersets over linphone-daemon: every line runs (not only
 * the first of each read), many clients at once, replies still delivered
 * after the client half-closes.
 */
import { chmod, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { formatEvent, type EventBus } from './event-bus.js';
import { LineReader, MAX_LINE_BYTES } from './line-reader.js';
import type { CommandRegistry, ConnectionControl } from './registry.js';
import { fail, formatReply, type Reply } from './reply.js';
import { clearStaleSocket } from './socket-path.js';

export interface ControlServerOptions {
  path: string;
  /** Octal file mode string from config, e.g. "0660". */
  mode: string;
  /** A listening socket handed over by systemd (LISTEN_FDS); path and mode are then systemd's. */
  listenFd?: number;
  registry: CommandRegistry;
  events: EventBus;
  log: Logger;
}

export const MAX_CONNECTIONS = 256;
/** A line with no newline runs after this pause, as linphone runs `printf version` at once. */
export const IDLE_LINE_MS = 200;
/**
 * Lines read but not yet answered, past which the connection stops reading
 * (the kernel's buffer then holds the client back): a client writing
 * commands faster than they run (e.g. a stream of `snapshot`s) cannot make
 * the queue grow without bound.
 */
export const MAX_QUEUED_LINES = 64;
/**
 * A client that does not read (an `events on` client that never drains) is
 * dropped, with a log line, past this much unsent output (issue 12 row 12).
 * Writes reach the socket only while its own queue is under its high-water
 * mark (16 KiB); beyond that, output is kept here as one string and written
 * as one chunk on 'drain'. So queued writes are few whatever the number of
 * events (each queued write costs a few hundred bytes beyond its text: 200
 * stalled clients held 1.05 GiB under the old 1 MiB byte bound alone), and
 * bytes are bounded by this. A client that reads at all, even one that
 * pipelines hundreds of commands, is never near it.
 * bench/control-slow-clients.ts, 200 stalled clients and 20,000 events:
 * see /work/notes/reliability-h12c.md for the figures.
 */
export const MAX_UNSENT_BYTES = 128 * 1024;

export class ControlServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private ownsPath = false;

  constructor(private readonly opts: ControlServerOptions) {}

  async start(): Promise<void> {
    const { path, listenFd, log } = this.opts;
    const server = createServer({ allowHalfOpen: true }, (s) => this.accept(s));
    server.maxConnections = MAX_CONNECTIONS * 2; // the polite refusal below happens first
    this.server = server;
    if (listenFd !== undefined) {
      await listen(server, { fd: listenFd });
      log.info(`control socket passed by systemd (fd ${listenFd})`);
      return;
    }
    await clearStaleSocket(path, log);
    const mode = parseInt(this.opts.mode, 8);
    // umask makes bind() create the file with the right mode, so it is
    // never reachable with looser permissions, not even briefly.
    const oldMask = process.umask(0o777 & ~mode);
    try {
      await listen(server, { path });
    } finally {
      process.umask(oldMask);
    }
    this.ownsPath = true;
    await chmod(path, mode);
    log.info(`control socket ${path} (mode ${this.opts.mode})`);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.ownsPath) await unlink(this.opts.path).catch(() => {});
  }

  get connections(): number {
    return this.sockets.size;
  }

  private accept(socket: Socket): void {
    const { log } = this.opts;
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // A client vanishing mid-reply is normal for `socat -t 0` and friends.
      log.debug(`control client error: ${e.code ?? e.message}`);
      socket.destroy();
    });
    if (this.sockets.size >= MAX_CONNECTIONS) {
      log.warn(`control: refusing a client, ${MAX_CONNECTIONS} already connected`);
      socket.end(formatReply(fail('Too many control connections.')));
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    new Connection(socket, this.opts.registry, this.opts.events, log);
  }
}

function listen(server: Server, where: { fd: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => {
      server.off('error', reject);
      server.on('error', () => {});
      resolve();
    });
  });
}

/** One client: lines in, replies out, in order, even after half-close. */
class Connection implements ConnectionControl {
  private readonly reader = new LineReader(MAX_LINE_BYTES);
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private idle: NodeJS.Timeout | undefined;
  private closing = false;
  private unsubscribe: (() => void) | undefined;
  /** Output held back while the socket's own queue is over its high-water mark. */
  private held = '';
  private flushScheduled = false;
  private endWhenFlushed = false;

  constructor(
    private readonly socket: Socket,
    private readonly registry: CommandRegistry,
    private readonly events: EventBus,
    private readonly log: Logger,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => {
      this.clearIdle();
      this.enqueueAll(this.reader.flush());
      this.chain = this.chain.then(() => this.finish());
    });
    socket.on('close', () => {
      this.clearIdle();
      this.unsubscribe?.();
      this.closing = true;
    });
  }

  setEventPush(on: boolean): void {
    if (on && !this.unsubscribe) {
      this.unsubscribe = this.events.subscribe((e) => this.write(formatEvent(e) + '\n'));
    } else if (!on && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = undefined;
    }
  }

  closeAfterReply(): void {
    this.closing = true;
  }

  private onData(data: Buffer): void {
    if (this.closing) return;
    this.clearIdle();
    this.enqueueAll(this.reader.push(data));
    if (this.reader.buffered > 0) {
      this.idle = setTimeout(() => this.enqueueAll(this.reader.flush()), IDLE_LINE_MS);
    }
  }

  private enqueueAll(events: ReturnType<LineReader['push']>): void {
    for (const ev of events) {
      if (ev.kind === 'too-long') {
        this.enqueue(async () => fail(`Line too long (${ev.bytes} bytes; the limit is ${MAX_LINE_BYTES}).`));
      } else if (ev.line.trim() !== '') {
        // Blank lines are skipped rather than answered (linphone answers
        // "Unknown command."): `printf 'version\n\n'` gets one reply.
        const line = ev.line;
        this.enqueue(() => this.registry.execute(line, this));
      }
    }
  }

  private enqueue(run: () => Promise<Reply>): void {
    if (++this.queued === MAX_QUEUED_LINES) this.socket.pause();
    this.chain = this.chain.then(async () => {
      try {
        if (this.closing) return;
        const reply = await run();
        this.write(formatReply(reply));
        if (this.closing) this.finish();
      } finally {
        if (this.queued-- === MAX_QUEUED_LINES && !this.socket.destroyed) this.socket.resume();
      }
    });
  }

  /** Replies and events of one turn of the loop go out as one write: few queued writes, whatever the load. */
  private write(text: string): void {
    const s = this.socket;
    if (s.destroyed || !s.writable) return;
    if (this.held === '' && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushHeld());
    }
    this.held += text;
    if (this.held.length + s.writableLength > MAX_UNSENT_BYTES) {
      this.log.warn(`control: dropping a client that does not read (${this.held.length + s.writableLength} bytes unsent)`);
      this.held = '';
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.closing = true;
      s.destroy();
    }
  }

  private flushHeld(): void {
    const s = this.socket;
    if (s.destroyed) return;
    // Over the socket's high-water mark: wait for it to drain, holding (and counting) what comes meanwhile.
    if (s.writableNeedDrain) {
      s.once('drain', () => this.flushHeld());
      return;
    }
    this.flushScheduled = false;
    const text = this.held;
    this.held = '';
    if (text !== '') s.write(text);
    if (this.endWhenFlushed) s.end();
  }

  private finish(): void {
    this.closing = true;
    this.unsubscribe?.();
    if (this.socket.destroyed) return;
    // Held output goes first: end() now would cut the last replies off.
    if (this.flushScheduled) this.endWhenFlushed = true;
    else this.socket.end();
  }

  private clearIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
  }
}
