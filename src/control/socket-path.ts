/**
 * Getting the control socket's path ready to bind: a socket file left by a
 * crash is replaced, and so is the regular file that `socat - /tmp/doorbell`
 * creates when no daemon is running (LINPHONE-DAEMON.md, "socat pitfall").
 * A socket another process still answers on is left alone.
 */
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Logger } from '../log/logger.js';
import { describeUser } from './socket-owner.js';

export class SocketInUseError extends Error {}

/**
 * A path another user owns is an error that names them (issue 12 row 16):
 * never connected to, shared or replaced, whether it answers or not.
 * `ownUid` is for tests.
 */
export async function clearStaleSocket(path: string, log: Logger, ownUid = process.getuid?.()): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (st.isDirectory()) throw new Error(`control socket path ${path} is a directory`);
  if (ownUid !== undefined && st.uid !== ownUid) {
    throw new SocketInUseError(
      `control socket path ${path} belongs to ${describeUser(st.uid)}, not to ${describeUser(ownUid)} that runs doorstation: ` +
        `another user's ${st.isSocket() ? 'socket' : 'file'} is never shared or replaced; remove it as root, or set control.socket`,
    );
  }
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
