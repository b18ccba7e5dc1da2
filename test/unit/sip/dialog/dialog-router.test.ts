/**
 * In-dialog requests (RFC 3261 §12.2.2): 481 for a dialog we do not have,
 * 500 for a CSeq that went backwards, the remote target refreshed by a
 * re-INVITE's or UPDATE's Contact (RFC 3311 §5.2), but not by a BYE's.
 */
import { describe, expect, it } from 'vitest';
import type { IncomingRequest, RequestHandler, SipStack } from '../../../../src/sip/core/sip-stack.js';
import { Dialog } from '../../../../src/sip/dialog/dialog.js';
import { DialogRouter } from '../../../../src/sip/dialog/dialog-router.js';
import { parseMessage, type SipRequest } from '../../../../src/sip/message/index.js';

function req(method: string, cseq: number, toTag: string, contact = 'sip:screen@127.0.0.1:5070'): SipRequest {
  const m = parseMessage(
    Buffer.from(
      [
        `${method} sip:door@127.0.0.1 SIP/2.0`,
        'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr1',
        'From: <sip:screen@127.0.0.1>;tag=screen1',
        `To: <sip:door@127.0.0.1>;tag=${toTag}`,
        'Call-ID: c1',
        `CSeq: ${cseq} ${method}`,
        `Contact: <${contact}>`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  );
  if (m.kind !== 'request') throw new Error('request expected');
  return m;
}

function setup() {
  const handlers = new Map<string, RequestHandler>();
  const stack = { handle: (m: string, h: RequestHandler) => handlers.set(m, h), addDelegate: () => {} } as unknown as SipStack;
  const router = new DialogRouter(stack);
  const dialog = new Dialog({ callId: 'c1', localTag: 'door1', remoteTag: 'screen1', localUri: 'sip:door@127.0.0.1', remoteUri: 'sip:screen@127.0.0.1', remoteTarget: 'sip:screen@127.0.0.1:5070', routeSet: [], localSeq: 1, localContact: 'sip:door@127.0.0.1', state: 'confirmed' });
  const seen: string[] = [];
  router.add(dialog, { onRequest: (inc) => seen.push(inc.request.method) });
  const deliver = (r: SipRequest) => {
    const statuses: number[] = [];
    const inc = { request: r, respond: (s: number) => statuses.push(s) } as unknown as IncomingRequest;
    handlers.get(r.method)!(inc);
    return statuses;
  };
  return { dialog, seen, deliver };
}

describe('dialog router', () => {
  it('481 for a request whose To tag names no dialog of ours', () => {
    const { seen, deliver } = setup();
    for (const m of ['BYE', 'INFO', 'UPDATE', 'INVITE']) expect(deliver(req(m, 5, 'nosuchdialog'))).toEqual([481]);
    expect(seen).toEqual([]);
  });

  it('500 for a CSeq lower than the last one', () => {
    const { seen, deliver } = setup();
    expect(deliver(req('INFO', 5, 'door1'))).toEqual([]);
    expect(deliver(req('INFO', 4, 'door1'))).toEqual([500]);
    expect(seen).toEqual(['INFO']);
  });

  it('a re-INVITE or UPDATE refreshes the remote target; a BYE does not', () => {
    const { dialog, deliver } = setup();
    deliver(req('INVITE', 2, 'door1', 'sip:screen@127.0.0.2:5080'));
    expect(dialog.remoteTarget).toBe('sip:screen@127.0.0.2:5080');
    deliver(req('UPDATE', 3, 'door1', 'sip:screen@127.0.0.3:5090;transport=tcp'));
    expect(dialog.remoteTarget).toBe('sip:screen@127.0.0.3:5090;transport=tcp');
    deliver(req('BYE', 4, 'door1', 'sip:elsewhere@127.0.0.9'));
    expect(dialog.remoteTarget).toBe('sip:screen@127.0.0.3:5090;transport=tcp');
  });
});
