/**
 * Requests inside the answered call: BYE, INFO and MESSAGE (door codes),
 * re-INVITE and UPDATE (hold, resume, codec change) with their offer/answer,
 * and the ACK of our 2xx to a re-INVITE.
 */
import { answerOffer, planFromAnswer } from '../../sdp/negotiate.js';
import { buildOffer } from '../../sdp/offer.js';
import type { MediaPlan } from '../../sdp/types.js';
import type { AnsweredUser, Dialog, IncomingRequest, SipRequest, SuccessInFlight, SuccessResponse } from '../../sip/user-agent.js';
import { errorMessage } from '../../log/error-message.js';
import { codeFromMessage, digitFromInfo } from '../opener/body-codes.js';
import { direction, ownablePlan } from './call-media.js';
import type { CallCore } from './call-core.js';
import { CallState, type LocalSdp } from './call-state.js';

export class InDialog {
  /** Our 2xx to a re-INVITE, resent until its ACK. */
  private reinvite: { cseq: number; retransmit: SuccessInFlight } | undefined;

  constructor(
    private readonly call: CallCore,
    private readonly sdp: LocalSdp,
  ) {}

  /** What the user agent hands this dialog's requests and ACKs to. */
  user(): AnsweredUser {
    return {
      onAck: (ack) => this.onReinviteAck(ack),
      onRequest: (inc, dialog) => this.onRequest(inc, dialog),
      onNoAck: () => {
        this.call.log.warn('no ACK for our 200; hanging up');
        void this.call.hangup();
      },
    };
  }

  /** The call is over: our 2xx to a re-INVITE is not resent any more. */
  stop(): void {
    this.reinvite?.retransmit.stop();
  }

  private onRequest(inc: IncomingRequest, dialog: Dialog): void {
    const req = inc.request;
    switch (req.method) {
      case 'BYE':
        inc.respond(200, 'OK');
        this.call.log.info(`${this.call.peer ?? 'peer'} hung up`);
        this.call.endReason = 'hung up by peer';
        this.call.finish(CallState.End);
        return;
      case 'INFO': {
        const digit = digitFromInfo(req.headers.get('Content-Type'), req.body.toString('utf8'));
        inc.respond(200, 'OK');
        if (digit) this.call.digit(digit);
        return;
      }
      case 'MESSAGE': {
        const code = codeFromMessage(req.headers.get('Content-Type'), req.body.toString('utf8'));
        if (code === undefined) return void inc.respond(415, 'Unsupported Media Type', { headers: [['Accept', 'text/plain']] });
        const opened = this.call.code(code);
        inc.respond(opened ? 200 : 403, opened ? 'OK' : 'Forbidden');
        return;
      }
      case 'INVITE':
      case 'UPDATE':
        return this.reoffer(inc, dialog);
      default:
        inc.respond(405, 'Method Not Allowed');
    }
  }

  /**
   * re-INVITE / UPDATE in the answered call (hold, resume, codec change),
   * RFC 3264 §8 and RFC 3311 §5.2: an offer gets our answer and the media
   * follow it; a re-INVITE without one gets our offer in the 200 and its
   * answer comes in the ACK (RFC 3261 §14.2). Every SDP we send keeps the
   * o= session id and counts the version up by one (RFC 3264 §8).
   */
  private reoffer(inc: IncomingRequest, dialog: Dialog): void {
    const req = inc.request;
    // §13.3.1.4 and RFC 3311 §5.2: the 2xx to a target refresh carries our Contact.
    const contact: Array<[string, string]> = [['Contact', `<${dialog.localContact}>`]];
    // RFC 3311 §5.2, RFC 3261 §14.2: no new offer while ours (in a 200, answer due in the ACK) is outstanding.
    if (this.sdp.state === 'local-offer' && req.body.length > 0) return void inc.respond(491, 'Request Pending');
    if (req.method === 'INVITE') {
      // A new re-INVITE means the screen sent the ACK for the last one, even if we missed it.
      this.reinvite?.retransmit.stop();
      this.reinvite = undefined;
      this.sdp.settled();
    }
    if (req.body.length === 0) {
      // An UPDATE without SDP changes nothing of the session (RFC 3311 §5.2; session-timer refreshes).
      if (req.method === 'UPDATE') return void inc.respond(200, 'OK', { headers: contact });
      const offer = this.sdp.next();
      this.sdp.commit();
      this.sdp.offered(offer);
      this.respondToReinvite(inc, { body: Buffer.from(buildOffer(offer)), contentType: 'application/sdp', headers: contact });
      return;
    }
    let answer: { sdp: string; plan: MediaPlan };
    try {
      answer = answerOffer(req.body.toString('utf8'), this.sdp.next());
    } catch (e) {
      // RFC 3261 §14.2: a refused offer leaves the session as it was (and our SDP version unused).
      this.call.log.warn(`${req.method} offer refused: ${errorMessage(e)}`);
      return void inc.respond(488, 'Not Acceptable Here');
    }
    this.sdp.commit();
    const response = { body: Buffer.from(answer.sdp), contentType: 'application/sdp', headers: contact };
    if (req.method === 'INVITE') this.respondToReinvite(inc, response);
    else inc.respond(200, 'OK', response);
    this.follow(answer.plan, req.method);
  }

  /** 200 to a re-INVITE, resent until the ACK (§13.3.1.4); no ACK in 64*T1 ends the call with BYE. */
  private respondToReinvite(inc: IncomingRequest, response: SuccessResponse): void {
    inc.respond(200, 'OK', response);
    const retransmit = this.call.ua.resendSuccess(inc, response, () => {
      this.reinvite = undefined;
      this.sdp.settled();
      this.call.log.warn('no ACK for our 200 to the re-INVITE; hanging up');
      this.call.endReason = 'no ACK for the 200 to a re-INVITE';
      void this.call.hangup();
    });
    this.reinvite = { cseq: inc.request.cseq.seq, retransmit };
  }

  /** The ACK for our 200 to a re-INVITE; it carries the answer when that 200 carried our offer. */
  private onReinviteAck(ack: SipRequest): void {
    const pending = this.reinvite;
    if (!pending || ack.cseq.seq !== pending.cseq) return;
    pending.retransmit.stop();
    this.reinvite = undefined;
    const offer = this.sdp.state === 'local-offer' ? this.sdp.offer : undefined;
    this.sdp.settled();
    if (!offer) return;
    if (ack.body.length === 0) {
      // RFC 3261 §13.3.1.4 wants an answer here; keep the media as they were rather than drop the call.
      this.call.log.warn('the ACK carried no answer to our offer; media unchanged');
      return;
    }
    try {
      this.follow(planFromAnswer(ack.body.toString('utf8'), offer), 'ACK');
    } catch (e) {
      this.call.log.warn(`answer in the ACK unusable, media unchanged: ${errorMessage(e)}`);
    }
  }

  /**
   * The media follow the newly agreed directions: we send audio and video
   * only where the screen said it receives them (RFC 3264 §6.1: a peer
   * that says sendonly or inactive gets nothing). Audio is one two-way
   * stream, so a screen that stops receiving it (hold) stops the talk:
   * the door has no use for hold music. Held = the screen takes no audio
   * from us (or, without audio, no video).
   */
  private follow(plan: MediaPlan, why: string): void {
    const answered = this.call.answered;
    if (!answered) return;
    plan = ownablePlan(plan, answered.signalling, this.call.log, why);
    answered.plan = plan;
    const { forks, media } = this.call;
    const key = [...forks.keys()][0] ?? `${this.call.id}:answer`;
    const v = plan.video;
    if (v?.send) {
      // Same id = update; the screen gets a key frame at once, so resumed video decodes at once.
      media.showVideo(key, v);
      forks.set(key, { key, client: answered.client, dialog: answered.dialog, plan });
    } else if (forks.has(key)) {
      media.hideVideo(key);
      forks.delete(key);
    }
    if (plan.audio?.send) media.startTalk(plan);
    else if (media.talking) media.stopTalk();
    const held = plan.audio ? !plan.audio.send : !plan.video?.send;
    this.call.log.info(`${why}: audio ${direction(plan.audio)}, video ${direction(plan.video)}${held ? ' (on hold)' : ''}`);
    this.call.setState(held ? CallState.PausedByRemote : CallState.StreamsRunning);
  }
}
