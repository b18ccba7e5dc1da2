/**
 * What the bench reads: H.264 RTP arriving at a screen's port (bytes, key
 * frames, SPS per key frame, the door's SSRC), the first packet at an
 * audio port, and a process's CPU, memory and threads from /proc.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { nalTypes } from '../../test/support/h264-nal.js';

export class VideoProbe {
  bytes = 0;
  packets = 0;
  idrs = 0;
  sps = 0;
  ssrc: number | undefined;
  lastIdrAt = 0;
  private idrWait: ((at: number) => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('message', (buf) => this.onPacket(buf));
  }

  static async open(port = 0): Promise<VideoProbe> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
    return new VideoProbe(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  reset(): void {
    this.bytes = 0;
    this.packets = 0;
    this.idrs = 0;
    this.sps = 0;
  }

  /** Resolves with the arrival time of the next IDR's first packet, or undefined. */
  nextIdr(timeoutMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.idrWait = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.idrWait = (at) => {
        clearTimeout(t);
        this.idrWait = undefined;
        resolve(at);
      };
    });
  }

  close(): void {
    this.socket.close();
  }

  private onPacket(buf: Buffer): void {
    const at = performance.now();
    if (buf.length < 12) return;
    this.bytes += buf.length;
    this.packets++;
    this.ssrc = buf.readUInt32BE(8);
    const cc = buf[0]! & 0x0f;
    const ext = buf[0]! & 0x10;
    let off = 12 + cc * 4;
    if (ext) off += 4 + buf.readUInt16BE(off + 2) * 4;
    for (const t of nalTypes(buf.subarray(off))) {
      if (t === 7) this.sps++;
      if (t === 5) {
        this.idrs++;
        this.lastIdrAt = at;
        this.idrWait?.(at);
      }
    }
  }
}

/** RFC 4585 §6.3.1 PLI: PT 206, FMT 1, our SSRC, the media sender's SSRC. */
export function pliPacket(senderSsrc: number, mediaSsrc: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x81;
  b[1] = 206;
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(senderSsrc, 4);
  b.writeUInt32BE(mediaSsrc, 8);
  return b;
}

/** First packet at a UDP port. */
export class FirstPacket {
  at: number | undefined;
  count = 0;
  private constructor(readonly socket: Socket) {
    socket.on('message', () => {
      this.count++;
      this.at ??= performance.now();
    });
  }

  static async open(): Promise<FirstPacket> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new FirstPacket(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

/** CPU nanoseconds of every live thread of a process (schedstat: exact, unlike the 10 ms ticks of /proc/PID/stat). */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

export interface ProcStatus {
  rssMb: number;
  peakRssMb: number;
  threads: number;
}

export function procStatus(pid: number): ProcStatus {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
  return { rssMb: Math.round((kb('VmRSS') / 1024) * 10) / 10, peakRssMb: Math.round((kb('VmHWM') / 1024) * 10) / 10, threads: kb('Threads') };
}

/** % of one core the process used over `ms`. */
export async function cpuPercent(pid: number, ms: number): Promise<number> {
  const c0 = cpuNs(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const c1 = cpuNs(pid);
  const wall = performance.now() - t0;
  return Math.round(((c1 - c0) / 1e6 / wall) * 1000) / 10;
}
