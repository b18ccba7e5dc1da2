/**
 * Issue 12 row 20: a 2xx that matched only the INVITE's Call-ID (wrong
 * branch, from another port) was taken as the answer. Responses match
 * their transaction by branch and CSeq method (RFC 3261 §17.1.3); a 2xx
 * outside it counts only for a dialog already ours (Call-ID and our From
 * tag, §13.2.2.4). A real stack over UDP; a socket plays the screen and
 * another the forger.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log/logger.js';
import { SipStack } from '../../../../src/sip/core/sip-stack.js';
import { createResponse, parseMessage, serialiseMessage, type SipRequest } from '../../../../src/sip/message/index.js';
import { UserAgent } from '../../../../src/sip/user-agent.js';
import { until } from '../../../support/wait.js';

const SDP = 'v=0\r\no=screen 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

async function udp(): Promise<{ s: Socket; port: number; got: SipRequest[] }> {
  const s = createSocket('udp4');
  const got: SipRequest[] = [];
  s.on('message', (m) => {
    const msg = parseMessage(m);
    if (msg.kind === 'request') got.push(msg);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { s, port: s.address().port, got };
}

describe('a 2xx is the answer only through its transaction (issue 12)', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('a forged 200 with the right Call-ID but another branch, from another port, is not the answer; the real one is', async () => {
    const stack = new SipStack({ listen: ['udp:127.0.0.1:0'], userAgent: 'test', log: silentLogger });
    await stack.start();
    closers.push(() => stack.stop());
    const ua = new UserAgent({ stack, log: silentLogger, identity: 'sip:door@127.0.0.1' });
    const screen = await udp();
    const forger = await udp();
    closers.push(() => screen.s.close(), () => forger.s.close());
    const port = stack.transports[0]!.local.port;

    const answered: string[] = [];
    const extra: string[] = [];
    await ua.invite(`sip:screen@127.0.0.1:${screen.port}`, () => SDP, () => ({ onAnswered: (d) => answered.push(d.remoteTag), onExtraAnswer: (r) => extra.push(String(r.to.params.get('tag'))) }));
    await until('the INVITE at the screen', () => screen.got.find((r) => r.method === 'INVITE'));
    const invite = screen.got.find((r) => r.method === 'INVITE')!;

    // The forger saw the Call-ID but guesses the branch.
    const forged = createResponse(invite, 200, 'OK', { toTag: 'forged', headers: [['Contact', `<sip:evil@127.0.0.1:${forger.port}>`]], body: Buffer.from(SDP), contentType: 'application/sdp' });
    const via = forged.headers.getAll('Via');
    forged.headers.set('Via', [via[0]!.replace(/branch=[^;]+/, 'branch=z9hG4bKguessed'), ...via.slice(1)]);
    forger.s.send(serialiseMessage(forged), port, '127.0.0.1');
    // Its own transaction's answer comes after it, through the screen.
    await new Promise((r) => setTimeout(r, 100));
    const real = createResponse(invite, 200, 'OK', { toTag: 'screen', headers: [['Contact', `<sip:screen@127.0.0.1:${screen.port}>`]], body: Buffer.from(SDP), contentType: 'application/sdp' });
    screen.s.send(serialiseMessage(real), port, '127.0.0.1');

    await until('the call to be answered', () => answered.length > 0);
    expect(answered).toEqual(['screen']);
    await until('the ACK at the screen', () => screen.got.some((r) => r.method === 'ACK'));
    expect(forger.got).toEqual([]);
    expect(extra).toEqual([]);
  });
});
