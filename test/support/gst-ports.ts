/**
 * Free UDP ports on 127.0.0.1, picked at run time: bound by the kernel
 * (port 0) and released. Even numbers, as RTP likes them, and the odd one
 * above free too, for RTCP.
 */
import { createSocket } from 'node:dgram';

function bindAny(port = 0): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

export async function freeUdpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await bindAny();
    if (p === undefined || p % 2 !== 0 || p > 65000) continue;
    if ((await bindAny(p + 1)) !== undefined) return p;
  }
  throw new Error('no free even UDP port pair');
}

export async function freeUdpPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freeUdpPort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** A range string for `media.rtp_ports` around one free pair. */
export async function freeRtpRange(size = 8): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const base = await freeUdpPort();
    let ok = true;
    for (let p = base; p < base + size && ok; p++) ok = (await bindAny(p)) !== undefined;
    if (ok) return `${base}-${base + size - 1}`;
  }
  throw new Error('no free port range');
}
