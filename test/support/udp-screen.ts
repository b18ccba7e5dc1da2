/**
 * A door station with a real SIP stack on 127.0.0.1, FakeMediaEngine and
 * its log kept, and scripted UDP "screens" (or attackers posing as one):
 * each answers the door's INVITE with the responses it is told (any To,
 * any To-tag, any SDP), answers later on demand, takes BYE and CANCEL,
 * and can call the door itself.
 */
import { createSocket, type Socket } from 'node:dgram';
import { configSchema } from '../../src/config/schema.js';
import { DoorOpener } from '../../src/door/opener/door-opener.js';
import { DoorStation } from '../../src/door/door-station.js';
import { LogSink } from '../../src/log/logger.js';
import { SipStack } from '../../src/sip/core/sip-stack.js';
import { createResponse, parseMessage, serialiseMessage, type SipRequest } from '../../src/sip/message/index.js';
import { FakeMediaEngine } from './fake-media-engine.js';

/** A screen's SDP: audio (PCMU + telephone-event) and H.264 video, at `address`. */
export function screenSdp(o: { address?: string; audioPort?: number; videoPort?: number; rtcpAddress?: string } = {}): string {
  const address = o.address ?? '127.0.0.1';
  return [
    'v=0',
    `o=screen 1 1 IN IP4 ${address}`,
    's=screen',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${o.audioPort ?? 7078} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    `m=video ${o.videoPort ?? 9078} RTP/AVP 96`,
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 profile-level-id=42801F;packetization-mode=1',
    ...(o.rtcpAddress ? [`a=rtcp:${(o.videoPort ?? 9078) + 1} IN IP4 ${o.rtcpAddress}`] : []),
    'a=recvonly',
    '',
  ].join('\r\n');
}

export interface ScreenReply {
  status: number;
  sdp?: string;
  /** To-tag: a new one is a new early dialog (fork). */
  tag?: string;
  /** What the To header claims (the URI only); default: the INVITE's To. */
  to?: string;
  /** The Reason-Phrase; default: the status's usual one. */
  reason?: string;
}

export interface UdpScreen {
  socket: Socket;
  port: number;
  uri: string;
  /** Requests received, in order. */
  requests: SipRequest[];
  /** Statuses of the responses received (to calls it made), in order. */
  statuses: number[];
  /** Calls the door: an INVITE with this From (the whole header value) and an SDP offer. */
  call(doorPort: number, from: string, sdp?: string): void;
  /** Sends a response to the last INVITE (e.g. the 200 of a screen that answers later). */
  reply(r: ScreenReply): void;
  close(): Promise<void>;
}

let tags = 0;

export function udpScreen(script: ScreenReply[] = [], user = 'screen'): Promise<UdpScreen> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const requests: SipRequest[] = [];
    const statuses: number[] = [];
    let invite: { req: SipRequest; from: { address: string; port: number } } | undefined;
    const defaultTag = `scr${++tags}`;
    const s: UdpScreen = {
      socket,
      port: 0,
      uri: '',
      requests,
      statuses,
      call(doorPort, from, sdp = screenSdp()) {
        const text = [
          `INVITE sip:door@127.0.0.1:${doorPort} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${s.port};branch=z9hG4bKscr${++tags}`,
          `From: ${from};tag=caller${tags}`,
          `To: <sip:door@127.0.0.1:${doorPort}>`,
          `Call-ID: screen-call-${tags}@127.0.0.1`,
          'CSeq: 1 INVITE',
          `Contact: <sip:${user}@127.0.0.1:${s.port}>`,
          'Max-Forwards: 70',
          'Content-Type: application/sdp',
          `Content-Length: ${Buffer.byteLength(sdp)}`,
          '',
          sdp,
        ].join('\r\n');
        socket.send(Buffer.from(text), doorPort, '127.0.0.1');
      },
      reply(r) {
        if (!invite) throw new Error('no INVITE to reply to');
        send(invite.req, invite.from, r);
      },
      close: () => new Promise<void>((r) => socket.close(() => r())),
    };
    const send = (req: SipRequest, from: { address: string; port: number }, r: ScreenReply) => {
      const res = createResponse(req, r.status, r.reason, {
        toTag: r.tag ?? defaultTag,
        headers: [['Contact', `<sip:${user}@127.0.0.1:${s.port}>`]],
        body: r.sdp === undefined ? undefined : Buffer.from(r.sdp),
        contentType: r.sdp === undefined ? undefined : 'application/sdp',
      });
      if (r.to) res.headers.set('To', `<${r.to}>;tag=${r.tag ?? defaultTag}`);
      socket.send(serialiseMessage(res), from.port, from.address);
    };
    socket.on('message', (data, from) => {
      let m;
      try {
        m = parseMessage(data, { transport: 'datagram' });
      } catch {
        return;
      }
      if (m.kind !== 'request') {
        statuses.push((m as { status: number }).status);
        return;
      }
      const req = m as SipRequest;
      requests.push(req);
      if (req.method === 'INVITE') {
        invite = { req, from };
        for (const r of script) send(req, from, r);
      } else if (req.method === 'BYE' || req.method === 'CANCEL') send(req, from, { status: 200 });
      if (req.method === 'CANCEL' && invite) send(invite.req, invite.from, { status: 487 });
    });
    socket.bind(0, '127.0.0.1', () => {
      s.port = socket.address().port;
      s.uri = `sip:${user}@127.0.0.1:${s.port}`;
      resolve(s);
    });
  });
}

export interface DoorUnderTest {
  station: DoorStation;
  media: FakeMediaEngine;
  opener: DoorOpener;
  stack: SipStack;
  lines: string[];
  pulses: number;
  port: number;
  stop(): Promise<void>;
}

/** The door with `toml` (sections call, door, ...) over a real SIP stack on 127.0.0.1. */
export async function doorUnderTest(toml: Record<string, Record<string, unknown> | unknown[]>, clock?: () => Date): Promise<DoorUnderTest> {
  const config = configSchema.parse({ ...toml, sip: { listen: ['udp:127.0.0.1:0'], ...(toml.sip as Record<string, unknown> | undefined) } });
  const lines: string[] = [];
  const sink = new LogSink({ level: 'debug', systemd: true, write: (l) => lines.push(l) });
  const stack = new SipStack({ listen: config.sip.listen, userAgent: 'test', log: sink.logger('sip') });
  await stack.start();
  const media = new FakeMediaEngine();
  const d: Partial<DoorUnderTest> & { pulses: number } = { pulses: 0 };
  const opener = new DoorOpener({
    config: config.door,
    relay: {
      pulseRelay: () => {
        d.pulses++;
        return { status: 'started', ms: 1 };
      },
    },
    log: sink.logger('door'),
  });
  const station = new DoorStation({ config, stack, media, opener, log: sink.logger('door'), clock });
  const port = stack.transportFor('udp')!.local.port;
  return Object.assign(d, {
    station,
    media,
    opener,
    stack,
    lines,
    port,
    async stop() {
      await station.stop();
      await stack.stop();
    },
  }) as DoorUnderTest;
}
