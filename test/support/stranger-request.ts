import { createSocket, type Socket } from 'node:dgram';

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
