/** Free ports on 127.0.0.1, asked from the kernel at run time (UDP and TCP both free). */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

async function tryPort(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

/** A port free for both UDP and TCP (and, with `pairs`, the port after it too). */
export async function freePort(opts: { pair?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 30000) * (opts.pair ? 1 : 1);
    const p = opts.pair ? port - (port % 2) : port;
    if ((await tryPort(p)) && (!opts.pair || (await tryPort(p + 1)))) return p;
  }
  throw new Error('no free port found');
}
