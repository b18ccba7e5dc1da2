/**
 * What a control client sees: the daemon's event queue, popped until
 * empty, and a UDP port that counts what arrives (a screen's audio port).
 */
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { converse, type RunningDaemon } from './daemon.js';

export interface PoppedEvent {
  /** `Event-type:` (call-state-changed, door-opened, ...). */
  type: string;
  /** The event's other lines (`Event: LinphoneCallEnd`, `By: sip:...`). */
  fields: Record<string, string>;
}

/** Takes every queued event, oldest first. */
export async function drainEvents(d: RunningDaemon): Promise<PoppedEvent[]> {
  const out: PoppedEvent[] = [];
  for (let i = 0; i < 200; i++) {
    const reply = await converse(d.socket, 'pop-event\n');
    const type = /^Event-type: (\S+)$/m.exec(reply)?.[1];
    if (!type) break;
    const fields: Record<string, string> = {};
    for (const m of reply.split(/^Event-type: .*$/m)[1]!.matchAll(/^([A-Za-z-]+): (.*)$/gm)) fields[m[1]!] = m[2]!;
    out.push({ type, fields });
  }
  return out;
}

/** The call states (`Event:` of call-state-changed) among `events`, in order. */
export const callStates = (events: PoppedEvent[]): string[] => events.filter((e) => e.type === 'call-state-changed').map((e) => e.fields.Event!);

/** The call states of an outgoing call with early media that is answered, then hung up. */
export const ANSWERED_CALL = [
  'LinphoneCallOutgoingInit',
  'LinphoneCallOutgoingProgress',
  'LinphoneCallOutgoingEarlyMedia',
  'LinphoneCallConnected',
  'LinphoneCallStreamsRunning',
  'LinphoneCallEnd',
  'LinphoneCallReleased',
];

export interface PacketCounter {
  socket: Socket;
  count(): number;
}

export function packetCounter(port: number): Promise<PacketCounter> {
  return new Promise((resolve) => {
    let n = 0;
    const socket = createSocket('udp4');
    socket.on('message', () => n++);
    socket.bind(port, '127.0.0.1', () => resolve({ socket, count: () => n }));
  });
}

export interface TimedEvent extends PoppedEvent {
  /** Date.now() when the test process read it. */
  at: number;
}

export interface EventWatch {
  events: TimedEvent[];
  /** The first event after index `from` that `match` accepts, waiting up to `ms`; undefined on timeout. */
  next(match: (e: TimedEvent) => boolean, ms: number, from?: number): Promise<TimedEvent | undefined>;
  close(): void;
}

/**
 * One control connection with `events on`: every event as it is pushed,
 * stamped with the time it arrived, so a test can measure (and print) how
 * long a call set-up or a re-registration took.
 */
export function watchEvents(d: RunningDaemon): Promise<EventWatch> {
  return new Promise((resolve, reject) => {
    const s = connect(d.socket);
    const events: TimedEvent[] = [];
    let buf = '';
    s.on('error', reject);
    const watch: EventWatch = {
      events,
      async next(match, ms, from = 0) {
        const deadline = Date.now() + ms;
        for (;;) {
          const found = events.slice(from).find(match);
          if (found || Date.now() > deadline) return found;
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      close: () => s.destroy(),
    };
    let acknowledged = false;
    s.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      // Ready once `events on` is answered: nothing pushed after that can be missed.
      if (!acknowledged && buf.startsWith('Status: Ok\n\n')) {
        acknowledged = true;
        buf = buf.slice('Status: Ok\n\n'.length);
        resolve(watch);
      }
      // Each pushed event is `Event-type: X\n\nKey: Value\n...\n\n`; replies (`Status: ...`) are skipped.
      for (;;) {
        const start = buf.indexOf('Event-type: ');
        if (start < 0) break;
        const head = buf.indexOf('\n\n', start);
        if (head < 0 || head + 2 >= buf.length) break;
        // An event without fields ends in two empty lines (`Event-type: X\n\n\n`); one with fields after its last field.
        const end = buf[head + 2] === '\n' ? head + 1 : buf.indexOf('\n\n', head + 2);
        if (end < 0) break;
        const block = buf.slice(start, end);
        buf = buf.slice(end + 2);
        const type = /^Event-type: (\S+)$/m.exec(block)![1]!;
        const fields: Record<string, string> = {};
        for (const m of block.split(/^Event-type: .*$/m)[1]!.matchAll(/^([A-Za-z-]+): (.*)$/gm)) fields[m[1]!] = m[2]!;
        events.push({ type, fields, at: Date.now() });
      }
    });
    s.on('connect', () => s.write('events on\n'));
  });
}
