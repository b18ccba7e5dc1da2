/**
 * `doorstation ctl`: one command, its reply printed. Exit codes per SPEC
 * section 1: 0 on `Status: Ok`, 1 on `Status: Error`, 2 when the socket
 * can't be reached.
 */
import { lstatSync } from 'node:fs';
import { connect } from 'node:net';
import { describeUser, trustedSocketOwners } from './socket-owner.js';

export const CTL_TIMEOUT_MS = 10_000;

/**
 * Why `path` is not a socket to send a command to, or undefined: a link, a
 * non-socket, or a socket owned by someone other than root, the service
 * user or ourselves (a local user who bound /tmp/doorbell first would
 * otherwise answer `open-door` and read the commands; issue 12 row 16).
 */
export function untrustedSocket(path: string, trusted: ReadonlySet<number> = trustedSocketOwners()): string | undefined {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return undefined; // connect() says why (no such socket, permission denied)
  }
  if (st.isSymbolicLink()) return 'it is a symbolic link, not the daemon\'s socket';
  if (!st.isSocket()) return 'it is not a socket (is doorstation running? `socat - PATH` leaves a plain file when it is not)';
  if (!trusted.has(st.uid)) return `it belongs to ${describeUser(st.uid)}, neither root nor the doorstation user: not the daemon's socket`;
  return undefined;
}

export function ctl(path: string, line: string, out: NodeJS.WritableStream = process.stdout, trusted?: ReadonlySet<number>): Promise<number> {
  const refused = untrustedSocket(path, trusted);
  if (refused) {
    process.stderr.write(`doorstation ctl: refusing ${path}: ${refused}\n`);
    return Promise.resolve(2);
  }
  return new Promise((resolve) => {
    let reply = '';
    let settled = false;
    const done = (code: number) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(code);
    };
    const socket = connect(path);
    socket.setEncoding('utf8');
    socket.setTimeout(CTL_TIMEOUT_MS, () => {
      process.stderr.write(`doorstation ctl: no reply from ${path} within ${CTL_TIMEOUT_MS / 1000} s\n`);
      done(2);
    });
    socket.once('connect', () => socket.end(line.replace(/[\r\n]+/g, ' ') + '\n'));
    socket.on('data', (d: string) => (reply += d));
    socket.once('end', () => {
      out.write(reply);
      done(reply.startsWith('Status: Ok') ? 0 : reply.startsWith('Status: Error') ? 1 : 2);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'no such socket (is doorstation running?)' : e.code === 'EACCES' ? 'permission denied' : e.code === 'ECONNREFUSED' ? 'connection refused (is doorstation running?)' : e.message;
      process.stderr.write(`doorstation ctl: cannot reach ${path}: ${why}\n`);
      done(2);
    });
  });
}
