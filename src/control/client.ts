/**
 * `doorstation ctl`: one command, its reply printed. Exit codes per SPEC
 * section 1: 0 on `Status: Ok`, 1 on `Status: Error`, 2 when the socket
 * can't be reached.
 */
import { connect } from 'node:net';

export const CTL_TIMEOUT_MS = 10_000;

export function ctl(path: string, line: string, out: NodeJS.WritableStream = process.stdout): Promise<number> {
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
