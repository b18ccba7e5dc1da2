/**
 * What a control client sees: the daemon's event queue, popped until
 * empty, and a UDP port that counts what arrives (a screen's audio port).
 */
import { createSocket, type Socket } from 'node:dgram';
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
