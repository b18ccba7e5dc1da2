/**
 * Issue 12 rows 4 and 5, measured: what a flood costs the SIP stack.
 *  - tcp: 300 connections from one address each send 1 MiB that never ends;
 *    RSS growth, connections kept and bytes held.
 *  - invite: N INVITEs from an unknown URI over UDP, refused statelessly by
 *    a handler as the door does it; server transactions left behind,
 *    reply bytes per request byte, log lines written.
 * Prints one JSON object. Run: npx tsx bench/sip-flood.ts [invites=5000]
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { LogSink } from '../src/log/logger.js';
import { SipStack } from '../src/sip/core/sip-stack.js';
import { StreamTransport } from '../src/sip/transport/stream-transport.js';

const invites = Number(process.argv[2] ?? 5000);
const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

async function tcpFlood() {
  const t = new StreamTransport({ protocol: 'tcp', host: '127.0.0.1', port: 0 }, { onMessage: () => {} }, new LogSink({ level: 'error', systemd: false, write: () => {} }).logger(), {});
  await t.start();
  global.gc?.();
  const before = process.memoryUsage().rss;
  const junk = Buffer.alloc(1024 * 1024, 'a');
  const sockets = Array.from({ length: 300 }, () => {
    const s = connect({ host: '127.0.0.1', port: t.local.port });
    s.on('error', () => {});
    s.on('connect', () => s.write(junk));
    return s;
  });
  await new Promise((r) => setTimeout(r, 4000));
  const result = { connections: 300, kept: t.connectionCount, bufferedBytes: t.bufferedBytes, rssGrowthMiB: mib(process.memoryUsage().rss - before) };
  for (const s of sockets) s.destroy();
  await t.stop();
  return result;
}

async function inviteFlood() {
  let lines = 0;
  const log = new LogSink({ level: 'info', systemd: false, write: () => void lines++ }).logger();
  const stack = new SipStack({ listen: ['udp:127.0.0.1:0'], userAgent: 'bench', log });
  stack.handle('INVITE', (inc) => inc.rejectStateless(403, `call from ${inc.request.headers.get('From')}: not in door.allowed`));
  await stack.start();
  const port = stack.transports[0]!.local.port;
  const sock = createSocket('udp4');
  let replyBytes = 0;
  let replies = 0;
  let requestBytes = 0;
  sock.on('message', (m) => {
    replyBytes += m.length;
    replies++;
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const me = sock.address().port;
  for (let i = 0; i < invites; i++) {
    const body = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const msg = Buffer.from(
      `INVITE sip:door@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK${i};rport\r\nMax-Forwards: 70\r\nFrom: <sip:intruder${i}@evil>;tag=${i}\r\nTo: <sip:door@127.0.0.1>\r\nCall-ID: flood${i}\r\nCSeq: 1 INVITE\r\nContact: <sip:x@127.0.0.1:${me}>\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    requestBytes += msg.length;
    sock.send(msg, port, '127.0.0.1');
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const result = {
    invites,
    replies,
    transactionsLeft: stack.serverTransactionCount,
    // Mean reply size over mean request size: < 1 means no amplification.
    replyPerRequestByte: Math.round((replyBytes / Math.max(1, replies) / (requestBytes / invites)) * 100) / 100,
    logLines: lines,
    rssMiB: mib(process.memoryUsage().rss),
  };
  sock.close();
  await stack.stop();
  return result;
}

console.log(JSON.stringify({ tcp: await tcpFlood(), invite: await inviteFlood() }));
