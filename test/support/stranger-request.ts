import { createSocket, type Socket } from 'node:dgram';
import { until } from './wait.js';

/** An INVITE (with SDP) or MESSAGE (with a code) from `sip:strangerN@evil.example` over UDP, for flood tests (issue 12 row 5). */
export function strangerRequest(method: 'INVITE' | 'MESSAGE', n: number, port: number, me: number): Buffer {
  const body = method === 'MESSAGE' ? '1234#' : 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
  const type = method === 'MESSAGE' ? 'text/plain' : 'application/sdp';
  return Buffer.from(
    `${method} sip:door@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK${method}${n};rport\r\nMax-Forwards: 70\r\nFrom: <sip:stranger${n}@evil.example>;tag=f${n}\r\nTo: <sip:door@127.0.0.1>\r\nCall-ID: flood-${method}-${n}\r\nCSeq: 1 ${method}\r\nContact: <sip:x@127.0.0.1:${me}>\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
}

/** A UDP socket on 127.0.0.1 posing as the strangers: every datagram it receives is kept, in order. */
export async function strangerSocket(): Promise<{ socket: Socket; port: number; replies: Buffer[] }> {
  const socket = createSocket('udp4');
  const replies: Buffer[] = [];
  socket.on('message', (m) => replies.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { socket, port: socket.address().port, replies };
}

/**
 * Sends `n` stranger requests (INVITE and MESSAGE in turn) from `peer` to the door's UDP `port`, in bursts
 * of `burst` so loopback buffers drop nothing and every request is counted, until each has a reply.
 * Returns the size of the largest request (no reply may be larger).
 */
export async function floodStrangers(peer: { socket: Socket; port: number; replies: Buffer[] }, port: number, n: number, burst: number): Promise<number> {
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const req = strangerRequest(i % 2 ? 'MESSAGE' : 'INVITE', i, port, peer.port);
    largest = Math.max(largest, req.length);
    peer.socket.send(req, port, '127.0.0.1');
    if (i % burst === burst - 1) await until(`replies to ${i + 1} requests`, () => peer.replies.length >= i + 1);
  }
  await until('a reply to every request', () => peer.replies.length >= n);
  return largest;
}
