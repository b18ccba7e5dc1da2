/**
 * The outgoing half of a call (SPEC section 4): INVITEs to one or more
 * targets (all at once, or one after another), every early dialog of every
 * target gets the camera (and with "audio+video" the microphone) as early
 * media at once; the first answer gets video and two-way audio, every
 * other fork loses its media at once and is cancelled, and a fork whose
 * INVITE fails loses its media at once too. Refusals, failures and the
 * ring timeout decide what comes next.
 *
 * Bounds on what forks can make the door send (issue 12): at most
 * MAX_EARLY_FORKS early dialogs per call get media, and only at addresses
 * a screen could own (call-media.ts ownablePlan). Who answered is the URI
 * the door called, not what the 2xx's To claims (call-core.ts Answer).
 */
import { planFromAnswer } from '../../sdp/negotiate.js';
import { buildOffer } from '../../sdp/offer.js';
import { SrtpRequiredError, type LocalMedia, type MediaPlan } from '../../sdp/types.js';
import { endpointKey, type Dialog, type InviteUac } from '../../sip/user-agent.js';
import { errorMessage } from '../../log/error-message.js';
import { setImmediate as afterIo } from 'node:timers';
import type { CallCore } from './call-core.js';
import { ownablePlan } from './call-media.js';
import { CallState, LocalSdp } from './call-state.js';

/**
 * Early dialogs per call that get media. A house has a handful of
 * screens; more forks than this is a loop or an attack (one fake 183 per
 * To-tag was a new destination), and the rest ring on without media.
 */
export const MAX_EARLY_FORKS = 16;

/**
 * A refusal's Reason-Phrase is the peer's text, up to a whole datagram (64 KiB): it becomes the
 * call's end reason (log line, call-state event, a line of the call log kept on disk), so only its
 * start is kept. Phrases a screen sends ("Busy Here", "Decline") are far shorter.
 */
export const MAX_REASON_PHRASE = 120;

/** One INVITE of the call: its client and our SDP in it (each target may be reached from another address). */
interface Leg {
  client: InviteUac;
  local: LocalMedia;
}

export class Outgoing {
  private readonly legs: Leg[] = [];
  private pendingTargets: string[] = [];
  private ringTimer: NodeJS.Timeout | undefined;
  /** Early dialogs (client + To-tag) refused for lack of SRTP: no media, and a 200 from one is hung up. */
  private readonly refused = new Set<string>();
  private forkSeq = 0;
  /** The fork cap was reached and said so. */
  private capWarned = false;

  constructor(private readonly call: CallCore) {}

  /** The forks with early media, until the answer. */
  get forkCount(): number {
    return this.call.forks.size;
  }

  start(targets: string[]): void {
    if (this.call.config.mode === 'sequential') {
      this.pendingTargets = targets.slice(1);
      void this.dial([targets[0]!]);
    } else void this.dial(targets);
  }

  /** No further target is tried (the call is being hung up). */
  dropPending(): void {
    this.pendingTargets = [];
  }

  /** CANCEL every INVITE still ringing (each ends in its 487, or a 200 that is ACKed and hung up). */
  cancelAll(): void {
    for (const l of this.legs) l.client.cancel();
  }

  /** The call is over: no ring timeout, stray 2xx no longer ours to re-ACK. */
  dispose(): void {
    clearTimeout(this.ringTimer);
    for (const l of this.legs) l.client.dispose();
  }

  private get clients(): InviteUac[] {
    return this.legs.map((l) => l.client);
  }

  private async dial(targets: string[]): Promise<void> {
    const { ua, log } = this.call;
    clearTimeout(this.ringTimer);
    this.ringTimer = setTimeout(() => this.ringTimeout(), this.call.config.ring_timeout * 1000);
    // In parallel mode every target is dialed at once: one target slow to resolve or connect (DNS, TCP, TLS) does not hold back the others' ringing.
    await Promise.all(
      targets.map(async (target, i) => {
        let client: InviteUac;
        // Issue 14: each INVITE leaves before the next is built. A datagram goes out only once the
        // microtasks drain (dgram's send waits a tick), so building all eight in one go held the first back.
        if (i > 0) {
          await new Promise((r) => afterIo(r));
          // Hung up (or answered) in that turn: this target is not rung at all.
          if (this.call.phase !== 'setting-up') return;
        }
        try {
          let local: LocalMedia | undefined;
          client = await ua.invite(
            target,
            (address) => {
              local = this.call.media.local(address);
              return buildOffer(local);
            },
            (uac) => {
              this.legs.push({ client: uac, local: local! });
              log.info(`INVITE ${target}`);
              return this.events(uac);
            },
          );
        } catch (e) {
          log.warn(`cannot call ${target}: ${errorMessage(e)}`);
          this.call.endReason = errorMessage(e);
          return;
        }
        if (!this.call.answered && client.state === 'calling') this.call.setState(CallState.OutgoingProgress);
      }),
    );
    if (this.clients.every((c) => c.state === 'failed' || c.state === 'cancelled')) this.onClientFailed(undefined, 503, this.call.endReason ?? 'no target could be called');
  }

  private events(client: InviteUac) {
    return {
      onProvisional: (res: { status: number; body: Buffer }) => {
        if (res.status === 100) this.call.setState(CallState.OutgoingProgress);
        // An 18x with SDP is early media (onEarlyMedia), not plain ringing (LINPHONE-DAEMON.md §7).
        else if (res.body.length === 0) this.call.setState(CallState.OutgoingRinging);
      },
      onEarlyMedia: (dialog: Dialog, sdp: string) => this.onEarlyMedia(client, dialog, sdp),
      onAnswered: (dialog: Dialog, res: { body: Buffer }) => this.onAnswered(client, dialog, res.body.length ? res.body.toString('utf8') : undefined),
      onExtraAnswer: () => this.call.log.info('a second fork answered; hung up on it'),
      onFailed: (status: number, reason: string) =>
        this.onClientFailed(client, status, reason.length > MAX_REASON_PHRASE ? `${reason.slice(0, MAX_REASON_PHRASE)}…` : reason),
    };
  }

  private localOf(client: InviteUac): LocalMedia | undefined {
    return this.legs.find((l) => l.client === client)?.local;
  }

  private onEarlyMedia(client: InviteUac, dialog: Dialog, sdp: string): void {
    const local = this.localOf(client);
    if (this.call.phase !== 'setting-up' || !local) return;
    let plan: MediaPlan;
    try {
      plan = planFromAnswer(sdp, local);
    } catch (e) {
      if (e instanceof SrtpRequiredError) {
        // That screen gets nothing from us; if it answers, it is hung up (onAnswered). Others ring on.
        this.refused.add(forkId(client, dialog));
        this.call.srtpRefused(dialog.remoteUri, `early media refused: ${e.message}`);
        return;
      }
      this.call.log.warn(`early SDP from ${dialog.remoteUri} unusable: ${errorMessage(e)}`);
      return;
    }
    const { forks, media, earlyMedia } = this.call;
    // The same early dialog again (a 183 resent, or an UPDATE-less SDP change): its media follow, no new fork.
    const known = [...forks.values()].find((f) => f.client === client && f.dialog.remoteTag === dialog.remoteTag);
    if (!known && forks.size >= MAX_EARLY_FORKS) {
      // One line per call, not one per fork: the forks are what floods.
      if (!this.capWarned) this.call.log.warn(`more than ${MAX_EARLY_FORKS} early dialogs: ${dialog.remoteUri} and any further ones get no early media`);
      this.capWarned = true;
      return;
    }
    plan = ownablePlan(plan, client.destination?.host, this.call.log, `early media to ${dialog.remoteUri}`);
    const key = known?.key ?? `${this.call.id}:${++this.forkSeq}`;
    forks.set(key, { key, client, dialog, plan });
    this.call.setState(CallState.OutgoingEarlyMedia);
    if (earlyMedia === 'none') return;
    // Every ringing screen hears the visitor, like it sees them: one microphone, each early dialog a destination.
    // Audio first (issue 14): opening its valve is one property set, while the video's key frame is encoded at once.
    const audio = earlyMedia === 'audio+video' && media.showAudio(key, plan);
    if (!audio && known) media.hideAudio(key);
    if (plan.video?.send) {
      media.showVideo(key, plan.video);
      this.call.log.info(`early ${plan.video.srtp ? 'SRTP ' : ''}video to ${dialog.remoteUri} at ${plan.video.address}:${plan.video.port} (fork ${forks.size})`);
    } else {
      if (known) media.hideVideo(key);
      // Say so: a screen that stays black is otherwise a mystery to whoever installs it.
      if (!plan.video) this.call.log.warn(`no video to ${dialog.remoteUri}: its SDP has no usable video stream`);
    }
    if (audio) this.call.log.info(`early audio to ${dialog.remoteUri} at ${plan.audio!.address}:${plan.audio!.port}`);
  }

  private onAnswered(client: InviteUac, dialog: Dialog, sdp: string | undefined): void {
    const { ua, forks, media } = this.call;
    if (this.call.phase !== 'setting-up') {
      void ua.bye(dialog);
      return;
    }
    const local = this.localOf(client);
    const fork = [...forks.values()].find((f) => f.dialog.remoteTag === dialog.remoteTag && f.client === client);
    let plan = fork?.plan;
    try {
      if (sdp && local) plan = planFromAnswer(sdp, local);
      else if (this.refused.has(forkId(client, dialog))) throw new SrtpRequiredError('its early SDP had no usable SRTP key, and media.srtp is "mandatory"');
    } catch (e) {
      if (e instanceof SrtpRequiredError) return this.refuseAnswer(client, dialog, e.message);
      this.call.log.warn(`answer SDP unusable: ${errorMessage(e)}`);
    }
    const signalling = client.destination?.host;
    if (plan) plan = ownablePlan(plan, signalling, this.call.log, `answer from ${dialog.remoteUri}`);
    clearTimeout(this.ringTimer);
    this.call.answer({ dialog, plan: plan ?? {}, client, identity: client.target, signalling });
    // Every other fork stops seeing and hearing the door now, not when its CANCEL lands.
    for (const f of forks.values()) {
      if (f === fork) continue;
      media.hideVideo(f.key);
      media.hideAudio(f.key);
    }
    for (const c of this.clients) if (c !== client) c.cancel();
    this.pendingTargets = [];
    const key = fork?.key ?? `${this.call.id}:answer`;
    for (const k of [...forks.keys()]) if (k !== key) forks.delete(k);
    if (plan?.video?.send) {
      media.showVideo(key, plan.video);
      if (!fork) forks.set(key, { key, client, dialog, plan });
    }
    // What the answer no longer agrees to (or names an address no screen owns) stops too.
    if (fork && !plan?.video?.send) media.hideVideo(fork.key);
    if (fork && !plan?.audio?.send) media.hideAudio(fork.key);
    if (plan) media.startTalk(plan);
    ua.track(dialog, this.call.dialogUser(new LocalSdp(local!)));
    // The identity is the URI we called; what the 2xx's To says is the responder's claim, logged as such.
    const claim = dialog.remoteUri !== client.target ? `, its To says ${dialog.remoteUri}` : '';
    this.call.log.info(`answered: ${client.target} (contact ${dialog.remoteTarget}${claim})`);
    this.call.connected();
  }

  /**
   * A 200 without SRTP keys under "mandatory": no media goes to it, it is
   * ACKed (already, by the INVITE client) and sent BYE. A 2xx ends the
   * INVITE for every other fork of that client (a forking proxy cancels
   * them), so the call goes on only if another target is still ringing.
   */
  private refuseAnswer(client: InviteUac, dialog: Dialog, reason: string): void {
    this.call.srtpRefused(dialog.remoteUri, `answer refused, hanging up: ${reason}`);
    void this.call.ua.bye(dialog);
    this.dropForksOf(client);
    this.call.endReason = `488 SRTP required: ${reason}`;
    if (this.clients.some((c) => c !== client && (c.state === 'calling' || c.state === 'proceeding'))) return;
    if (this.pendingTargets.length > 0 && this.call.phase !== 'hanging-up') {
      void this.dial([this.pendingTargets.shift()!]);
      return;
    }
    this.call.finish(CallState.Error);
  }

  private dropForksOf(client: InviteUac): void {
    for (const f of [...this.call.forks.values()]) {
      if (f.client !== client) continue;
      this.call.media.hideVideo(f.key);
      this.call.media.hideAudio(f.key);
      this.call.forks.delete(f.key);
    }
  }

  private onClientFailed(client: InviteUac | undefined, status: number, reason: string): void {
    if (client) {
      this.dropForksOf(client);
      client.dispose();
      this.call.log.info(`${client.target} ended: ${status} ${reason}`);
    }
    if (this.call.answered || this.call.ended) return;
    if (this.clients.some((c) => c.state === 'calling' || c.state === 'proceeding')) return;
    if (this.pendingTargets.length > 0 && this.call.phase !== 'hanging-up') {
      void this.dial([this.pendingTargets.shift()!]);
      return;
    }
    this.call.endReason = `${status} ${reason}`;
    this.call.finish(this.call.phase === 'hanging-up' || status === 487 ? CallState.End : CallState.Error);
  }

  private ringTimeout(): void {
    if (this.call.answered || this.call.ended) return;
    const ringTimeout = this.call.config.ring_timeout;
    // Nothing answered at all, not even 100 Trying (RFC 3261 §17.1.1.2, still "Calling"): the proxy or
    // screens are unreachable, which a user must not read as "nobody came to the screen".
    const silentClients = this.clients.filter((c) => c.state === 'calling');
    const silent = silentClients.map((c) => c.target);
    const heard = this.clients.some((c) => c.state !== 'calling');
    const unreachable = silent.length > 0 && !heard;
    const hops = [...new Map(silentClients.flatMap((c) => (c.destination ? [c.destination] : [])).map((h) => [endpointKey(h), h])).values()];
    const via = hops.length ? ` (sent to ${hops.map(endpointKey).join(', ')})` : '';
    const reason = unreachable ? `no response from ${silent.join(', ')}${via} within ${ringTimeout} s: unreachable` : `no answer within ${ringTimeout} s`;
    if (unreachable) this.call.unreachable(hops);
    this.call.log.info(reason);
    this.cancelAll();
    const next = this.pendingTargets.shift();
    if (next) {
      void this.dial([next]);
      return;
    }
    this.call.phase = 'hanging-up';
    this.call.endReason = reason;
    this.call.finish(unreachable ? CallState.Error : CallState.End);
  }
}

const forkId = (client: InviteUac, dialog: Dialog): string => `${client.target}\u0000${dialog.remoteTag}`;
