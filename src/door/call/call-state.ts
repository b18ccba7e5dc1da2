/**
 * Where a call is, in the door's own words. The control socket shows these
 * as liblinphone's state names (control/events/call-events.ts); the door
 * does not speak that protocol.
 */
import type { LocalMedia } from '../../sdp/types.js';

export const CallState = {
  OutgoingInit: 'outgoing-init',
  OutgoingProgress: 'outgoing-progress',
  OutgoingRinging: 'outgoing-ringing',
  OutgoingEarlyMedia: 'outgoing-early-media',
  IncomingReceived: 'incoming-received',
  Connected: 'connected',
  StreamsRunning: 'streams-running',
  PausedByRemote: 'paused-by-remote',
  UpdatedByRemote: 'updated-by-remote',
  End: 'end',
  Error: 'error',
  Released: 'released',
} as const;

export type CallStateName = (typeof CallState)[keyof typeof CallState];

/** Progress order of the outgoing states: a fork's state only moves a call forward. */
export const OUTGOING_RANK: Partial<Record<CallStateName, number>> = {
  [CallState.OutgoingInit]: 0,
  [CallState.OutgoingProgress]: 1,
  [CallState.OutgoingRinging]: 2,
  [CallState.OutgoingEarlyMedia]: 3,
};

/**
 * What the call is doing, beside the state it reports: still being set up
 * (ringing, in either direction), answered, or being hung up by us (after
 * which no fork may bring it back).
 */
export type CallPhase = 'setting-up' | 'answered' | 'hanging-up';

/** RFC 3264 offer/answer in the answered call, after re's `enum sdp_neg_state`. */
export type OfferAnswerState = 'done' | 'local-offer';

/**
 * Our SDP of the call: one o= session id, and a version that counts up by
 * one with every new offer or answer we send (RFC 3264 §8). `state` is
 * `local-offer` while our offer (in a 2xx) waits for its answer (in the ACK).
 */
export class LocalSdp {
  state: OfferAnswerState = 'done';
  /** The outstanding offer while `state` is `local-offer`. */
  offer: LocalMedia | undefined;

  constructor(private current: LocalMedia) {}

  get media(): LocalMedia {
    return this.current;
  }

  /** Our SDP with the next version, to answer with; kept only when `commit` says it was sent. */
  next(): LocalMedia {
    return { ...this.current, sessionVersion: this.current.sessionVersion + 1 };
  }

  /** The next version went out (an answer, or our offer). */
  commit(): void {
    this.current = this.next();
  }

  /** Our offer went out in a 2xx: its answer is due in the ACK (RFC 3261 §14.2). */
  offered(offer: LocalMedia): void {
    this.state = 'local-offer';
    this.offer = offer;
  }

  /** The offer is answered, or a new transaction replaced it. */
  settled(): void {
    this.state = 'done';
    this.offer = undefined;
  }
}
