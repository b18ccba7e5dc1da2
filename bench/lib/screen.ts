/**
 * A home screen for the bench: one UDP socket speaking just enough SIP to
 * be rung (INVITE in, 180/183/200/486 out, CANCEL and BYE answered), each
 * INVITE stamped with performance.now() on arrival. Written by hand so the
 * bench decides to the millisecond when each fork's 183 goes out.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';

export interface Invite {
  text: string;
  at: number;
  from: RemoteInfo;
  callId: string;
}

function headers(msg: string): string[] {
  return msg.split('\r\n\r\n')[0]!.split('\r\n');
}

function pick(msg: string, name: string): string[] {
  const n = `${name.toLowerCase()}:`;
  return headers(msg).filter((h) => h.toLowerCase().startsWith(n));
}

export class Screen {
  private waiting: ((m: Invite) => void) | undefined;
  private tag = '';
  invite: Invite | undefined;

  private constructor(
    readonly socket: Socket,
    readonly name: string,
  ) {
    socket.on('message', (buf, from) => this.onMessage(buf.toString(), from));
  }

  static async open(name: string): Promise<Screen> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new Screen(s, name);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get uri(): string {
    return `sip:${this.name}@127.0.0.1:${this.port}`;
  }

  /** The next INVITE (a new call): resolves on arrival. */
  nextInvite(timeoutMs = 10_000): Promise<Invite> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: no INVITE`)), timeoutMs);
      this.waiting = (m) => {
        clearTimeout(t);
        this.waiting = undefined;
        resolve(m);
      };
    });
  }

  /** Responds to the current INVITE. */
  respond(status: string, sdp = ''): void {
    const inv = this.invite;
    if (!inv) return;
    this.reply(inv.text, inv.from, status, sdp);
  }

  close(): void {
    this.socket.close();
  }

  private reply(req: string, to: RemoteInfo, status: string, sdp = ''): void {
    const lines = [
      `SIP/2.0 ${status}`,
      ...pick(req, 'Via'),
      ...pick(req, 'From'),
      `${pick(req, 'To')[0]}${pick(req, 'To')[0]!.includes(';tag=') ? '' : `;tag=${this.tag}`}`,
      ...pick(req, 'Call-ID'),
      ...pick(req, 'CSeq'),
      `Contact: <${this.uri}>`,
      ...(sdp ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ];
    this.socket.send(lines.join('\r\n'), to.port, to.address);
  }

  private onMessage(text: string, from: RemoteInfo): void {
    const at = performance.now();
    const method = text.slice(0, text.indexOf(' '));
    if (method === 'INVITE') {
      const callId = pick(text, 'Call-ID')[0] ?? '';
      if (this.invite?.callId === callId) return; // a retransmission
      this.tag = `t${Math.floor(Math.random() * 1e9)}`;
      this.invite = { text, at, from, callId };
      this.waiting?.(this.invite);
    } else if (method === 'CANCEL') {
      this.reply(text, from, '200 OK');
      this.respond('487 Request Terminated');
    } else if (method === 'BYE') {
      this.reply(text, from, '200 OK');
    }
  }
}

/** The audio a screen answers: opus (what linphone picks from our offer) or PCMU (a G.711-only screen). */
export type ScreenAudio = 'opus' | 'PCMU';

const AUDIO_LINES: Record<ScreenAudio, (port: number) => string[]> = {
  opus: (port) => [`m=audio ${port} RTP/AVP 111`, 'a=rtpmap:111 opus/48000/2'],
  PCMU: (port) => [`m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000'],
};

/** The screen's answer: audio and H.264 video at these ports, receive-only video. */
export function screenSdp(audioPort: number, videoPort: number, audio: ScreenAudio = 'opus'): string {
  return [
    'v=0',
    'o=screen 1 1 IN IP4 127.0.0.1',
    's=screen',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    ...AUDIO_LINES[audio](audioPort),
    `m=video ${videoPort} RTP/AVP 96`,
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 profile-level-id=42801F;packetization-mode=1',
    'a=rtcp-fb:96 nack pli',
    'a=recvonly',
    '',
  ].join('\r\n');
}

/** The door's video port from its INVITE's SDP offer (RTCP is the next port). */
export function offeredVideoPort(invite: string): number {
  const m = /\r\nm=video (\d+) /.exec(invite);
  if (!m) throw new Error('no m=video in the INVITE');
  return Number(m[1]);
}
