/**
 * One door call the way a visitor makes it, driven over the control
 * socket: press, wait for the answer, talk, hang up, wait until released,
 * empty the event queue. For soaks (bench and tests alike).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { converse } from './daemon.js';

async function waitStatus(socket: string, id: number, want: (s: string) => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (want(await converse(socket, `call-status ${id}\n`))) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** True when the call was answered (StreamsRunning) and then released. */
export async function answeredCallCycle(socket: string, talkMs: number): Promise<boolean> {
  const id = Number(/Id: (\d+)/.exec(await converse(socket, 'ring\n'))?.[1]);
  const answered = await waitStatus(socket, id, (s) => s.includes('LinphoneCallStreamsRunning'), 10_000);
  if (answered) await new Promise((r) => setTimeout(r, talkMs));
  await converse(socket, `terminate ${id}\n`);
  const released = await waitStatus(socket, id, (s) => s.includes('No call with such id'), 10_000);
  await converse(socket, 'pop-event\n'.repeat(10), { quietMs: 2000, until: (t) => (t.match(/Status:/g) ?? []).length >= 10 });
  return answered && released;
}

/** What a soak watches of the daemon: resident memory and open file descriptors. */
export function processSample(pid: number): { rssKiB: number; fds: number } {
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { rssKiB: Number(rss), fds: readdirSync(`/proc/${pid}/fd`).length };
}
