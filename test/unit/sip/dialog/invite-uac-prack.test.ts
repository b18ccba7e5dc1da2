/**
 * RFC 3262 on the calling side: the INVITE says Supported: 100rel; each
 * reliable provisional response is PRACKed once with RAck = RSeq, CSeq
 * number, INVITE (§7.2); a retransmission, or an RSeq that is not the next
 * one, is neither PRACKed nor processed again (§4).
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/log/logger.js';
import type { ClientCallbacks, SipStack } from '../../../../src/sip/core/sip-stack.js';
import type { DialogRouter } from '../../../../src/sip/dialog/dialog-router.js';
import { InviteUac, MAX_EARLY_DIALOGS } from '../../../../src/sip/dialog/invite-uac.js';
import { createResponse, type SipRequest } from '../../../../src/sip/message/index.js';

const SDP = 'v=0\r\no=screen 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 40002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n';

async function calling() {
  const sent: SipRequest[] = [];
  let invite: { req: SipRequest; cb: ClientCallbacks } | undefined;
  const stack = {
    routeOutOfDialog: async () => ({ transport: { protocol: 'udp' }, destination: { protocol: 'udp', host: '127.0.0.1', port: 5070 } }),
    contactUri: async () => 'sip:door@127.0.0.1:5060',
    send: async (req: SipRequest, cb: ClientCallbacks) => {
      sent.push(req);
      if (req.method === 'INVITE') invite = { req, cb };
      return { request: req, destination: { protocol: 'udp', host: '127.0.0.1', port: 5070 }, transport: {} };
    },
  } as unknown as SipStack;
  const router = { trackInvite: () => {}, untrackInvite: () => {} } as unknown as DialogRouter;
  const early: string[] = [];
  const provisional: number[] = [];
  const client = new InviteUac(
    { stack, router, log: silentLogger, target: 'sip:screen@127.0.0.1:5070', from: 'sip:door@127.0.0.1', contactUser: 'door', sdp: 'v=0\r\n' },
    { onEarlyMedia: (d) => early.push(d.remoteTag), onProvisional: (r) => provisional.push(r.status) },
  );
  await client.start();
  const reliable183 = (rseq: number, tag = 'screenA') => {
    const res = createResponse(invite!.req, 183, 'Session Progress', { toTag: tag, headers: [['Require', '100rel'], ['RSeq', String(rseq)], ['Contact', '<sip:screen@127.0.0.1:5070>'], ['Content-Type', 'application/sdp']], body: Buffer.from(SDP) });
    invite!.cb.onResponse(res);
  };
  const pracks = () => sent.filter((r) => r.method === 'PRACK');
  return { client, invite: invite!.req, reliable183, pracks, early, provisional };
}

describe('InviteUac and reliable provisional responses (RFC 3262)', () => {
  it('offers 100rel and PRACKs a reliable 183 once, with RAck = RSeq, CSeq number, INVITE', async () => {
    const c = await calling();
    expect(c.invite.headers.get('Supported')).toMatch(/\b100rel\b/);
    c.reliable183(7);
    c.reliable183(7); // retransmitted by the screen
    expect(c.pracks().map((p) => p.headers.get('RAck'))).toEqual([`7 ${c.invite.cseq.seq} INVITE`]);
    expect(c.pracks()[0]!.cseq.seq).toBeGreaterThan(c.invite.cseq.seq);
    expect(c.pracks()[0]!.headers.get('To')).toContain('tag=screenA');
    expect(c.early).toEqual(['screenA']);
    expect(c.provisional).toEqual([183]);
  });

  it('the next RSeq is PRACKed; one that skips ahead is not', async () => {
    const c = await calling();
    c.reliable183(1);
    c.reliable183(3);
    c.reliable183(2);
    expect(c.pracks().map((p) => p.headers.get('RAck')!.split(' ')[0])).toEqual(['1', '2']);
  });

  it('each early dialog (fork) has its own RSeq space', async () => {
    const c = await calling();
    c.reliable183(1, 'screenA');
    c.reliable183(1, 'screenB');
    expect(c.pracks().map((p) => /tag=(\w+)/.exec(p.headers.get('To')!)![1])).toEqual(['screenA', 'screenB']);
    expect(c.early).toEqual(['screenA', 'screenB']);
  });

  it('tracks at most MAX_EARLY_DIALOGS forks: invented To tags cannot grow its memory', async () => {
    const c = await calling();
    for (let i = 0; i < MAX_EARLY_DIALOGS + 100; i++) c.reliable183(1, `fork${i}`);
    expect(c.client.earlyDialogs).toHaveLength(MAX_EARLY_DIALOGS);
    expect(c.early).toHaveLength(MAX_EARLY_DIALOGS);
    expect(c.pracks()).toHaveLength(MAX_EARLY_DIALOGS);
  });
});
