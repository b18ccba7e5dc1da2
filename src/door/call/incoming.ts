/**
 * The incoming half of a call: a screen looking at the door (SPEC
 * section 4). Ringing until answered (`answer`, or `auto_answer`), a
 * CANCEL from the caller, and the answer itself: video sendonly and
 * two-way audio, sent through the user agent (which resends the 2xx until
 * its ACK).
 */
import { answerOffer } from '../../sdp/negotiate.js';
import { SrtpRequiredError, type MediaPlan } from '../../sdp/types.js';
import type { IncomingRequest } from '../../sip/user-agent.js';
import { errorMessage } from '../../log/error-message.js';
import type { CallCore } from './call-core.js';
import { ownablePlan } from './call-media.js';
import { CallState, LocalSdp } from './call-state.js';

export class Incoming {
  constructor(
    private readonly call: CallCore,
    readonly invite: IncomingRequest,
  ) {}

  /** Rings (180) or answers at once; a CANCEL from the caller ends the call (487). */
  start(autoAnswer: boolean): void {
    const inc = this.invite;
    inc.onCancel(() => {
      inc.respond(487, 'Request Terminated');
      this.call.endReason = 'cancelled by caller';
      this.call.finish(CallState.End);
    });
    if (autoAnswer) void this.accept();
    else inc.respond(180, 'Ringing');
  }

  /** Answers: video sendonly and two-way audio (SPEC section 4). */
  async accept(): Promise<boolean> {
    const { call, invite: inc } = this;
    if (call.answered || call.ended) return false;
    const { ua, media, log } = call;
    const sdp = new LocalSdp(media.local(await ua.localAddressOf(inc)));
    // Ended while we looked up our address (a press ends an incoming call: door-station.ts ring).
    if (call.ended) return false;
    let answer: { sdp: string; plan: MediaPlan };
    try {
      if (inc.request.body.length === 0) throw new Error('an INVITE without SDP offer is not supported');
      answer = answerOffer(inc.request.body.toString('utf8'), sdp.media);
    } catch (e) {
      inc.respond(488, 'Not Acceptable Here');
      if (e instanceof SrtpRequiredError) call.srtpRefused(call.remote, `call refused with 488: ${e.message}`);
      call.endReason = errorMessage(e);
      call.finish(CallState.Error);
      return false;
    }
    const dialog = await ua.accept(inc, answer.sdp, call.dialogUser(sdp));
    if (call.ended) {
      // Ended (a press) while the 200 was on its way: that dialog is hung up at once.
      ua.forget(dialog);
      void ua.bye(dialog);
      return false;
    }
    // What we send goes only where a screen could be (media/destination-rules.ts); the SDP answer stays as agreed.
    const signalling = inc.source.host;
    const plan = ownablePlan(answer.plan, signalling, log, `call from ${call.remote}`);
    call.answer({ dialog, plan, identity: call.remote, signalling });
    const key = `${call.id}:in`;
    if (plan.video?.send) media.showVideo(key, plan.video);
    if (plan.video?.send) call.forks.set(key, { key, dialog, plan });
    media.startTalk(plan);
    log.info(`answered the call from ${call.remote}`);
    call.connected();
    return true;
  }

  /** Not answered and hung up by us: 486. */
  refuse(): void {
    this.invite.respond(486, 'Busy Here');
  }
}
