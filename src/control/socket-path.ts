/**
 * Getting the control socket's path ready to bind: a socket file left by a
 * crash is replaced, and so is the regular file that `socat - /tmp/doorbell`
 * creates when no daemon is running (LINPHONE-DAEMON.md, "socat pitfall").
 * A socket another process still answers on is left alone.
 */
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Logger } from '../log/logger.js';

export class SocketInUseError extends Error {}

export async function clearStaleSocket(path: string, log: Logger): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (st.isDirectory()) throw new Error(`control socket path ${path} is a directory`);
  if (st.isSocket()) {
    if (await answers(path)) {
      throw new SocketInUseError(`control socket ${path} is in use by another running process (doorstation or linphone-daemon?)`);
    }
    log.info(`removing stale control socket ${path} (left by a previous run)`);
  } else {
    log.warn(`replacing ${path}: it was a ${st.isFile() ? 'regular file' : 'non-socket file'}, as \`socat - ${path}\` leaves when no daemon runs`);
  }
  await unlink(path);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}
