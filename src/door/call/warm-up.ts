/**
 * A dry run of what a press does, once after start, sending nothing
 * (issue 14: command → INVITE for the first call). V8 compiles each
 * function the first time it runs: the first press after start spent
 * ~15 ms compiling the offer, the INVITE and its parsing, the 183's SDP
 * plan, on top of the ~2 ms the work itself takes. Here that happens while
 * the door is idle: our offer for each target, read back as a screen would
 * and answered; the INVITE built, written and parsed again, as is a 183
 * to it; the answer planned. Nothing is routed (no DNS), sent or kept.
 */
import type { MediaEngine } from '../../media/media-engine.js';
import { answerOffer, planFromAnswer } from '../../sdp/negotiate.js';
import { buildOffer } from '../../sdp/offer.js';
import type { LocalMedia } from '../../sdp/types.js';
import { buildRequest, createResponse, newCallId, newFromTag, parseMessage, parseUri, serialiseMessage, type SipRequest } from '../../sip/message/index.js';
import { localMedia } from './call-media.js';

export function warmCallPath(targets: readonly string[], media: MediaEngine, srtp: LocalMedia['srtp'], identity: string): void {
  const local = localMedia(media.capabilities(), '127.0.0.1', srtp, '1', 1);
  const offer = buildOffer(local);
  for (const target of targets.length > 0 ? targets : ['sip:screen@127.0.0.1']) {
    try {
      parseUri(target);
      const invite = buildRequest('INVITE', target, {
        from: `<${identity}>;tag=${newFromTag()}`,
        to: `<${target}>`,
        callId: newCallId(),
        cseq: 1,
        contact: `<${identity}>`,
        headers: [['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKwarmup'], ['Max-Forwards', '70']],
        body: Buffer.from(offer),
        contentType: 'application/sdp',
      });
      const read = parseMessage(serialiseMessage(invite)) as SipRequest;
      const answer = answerOffer(read.body.toString('utf8'), local).sdp;
      const progress = createResponse(read, 183, 'Session Progress', { body: Buffer.from(answer), contentType: 'application/sdp' });
      planFromAnswer(parseMessage(serialiseMessage(progress)).body.toString('utf8'), local);
    } catch {
      // A target the real call will report on; the warm-up has nothing to say.
    }
  }
}
