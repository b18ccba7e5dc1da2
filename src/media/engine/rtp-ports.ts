/**
 * Local ports for our SDP, from `media.rtp_ports`: the audio port is bound
 * here and kept (it is the talk socket); the video port is only checked
 * free, because multiudpsink binds it as the source port of our video,
 * and the one after it is bound and kept for the video's RTCP (RFC 3550
 * §11: RTP on an even port, its RTCP on the next odd one).
 */
import { createSocket, type Socket } from 'node:dgram';

export function parsePortRange(range: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(range);
  if (!m) throw new Error(`bad port range "${range}"`);
  return [Number(m[1]), Number(m[2])];
}

function bind(port: number, address: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, address, () => {
      s.removeAllListeners('error');
      resolve(s);
    });
  });
}

export interface RtpPorts {
  audioSocket: Socket;
  audioPort: number;
  videoPort: number;
  /** Bound on videoPort + 1: our video RTCP (rtcp/video-rtcp.ts). */
  videoRtcpSocket: Socket;
}

export async function allocateRtpPorts(range: string, address: string): Promise<RtpPorts> {
  const [lo, hi] = parsePortRange(range);
  const first = lo % 2 === 0 ? lo : lo + 1;
  let audio: { socket: Socket; port: number } | undefined;
  for (let p = first; p + 1 <= hi; p += 2) {
    if (!audio) {
      const s = await bind(p, address);
      if (s) audio = { socket: s, port: p };
      continue;
    }
    const probe = await bind(p, address);
    if (!probe) continue;
    await new Promise<void>((r) => probe.close(() => r()));
    const rtcp = await bind(p + 1, address);
    if (rtcp) return { audioSocket: audio.socket, audioPort: audio.port, videoPort: p, videoRtcpSocket: rtcp };
  }
  audio?.socket.close();
  throw new Error(`no two free even ports (with the video RTCP port after the second) in rtp_ports ${range} on ${address}`);
}
