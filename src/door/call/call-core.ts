/**
 * What the parts of a call (outgoing.ts, incoming.ts, in-dialog.ts) see
 * of it: a narrow face that door-call.ts implements, so that no part
 * imports the class that holds them.
 */
import type { CallConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import type { MediaPlan } from '../../sdp/types.js';
import type { AnsweredUser, Dialog, Endpoint, InviteUac, UserAgent } from '../../sip/user-agent.js';
import type { CallMedia } from './call-media.js';
import type { CallPhase, CallState, CallStateName, LocalSdp } from './call-state.js';

/** One screen's early dialog (outgoing), or the answered one: what video goes where, by media key. */
export interface Fork {
  key: string;
  /** The outgoing INVITE it answered; none for an incoming call. */
  client?: InviteUac;
  dialog: Dialog;
  plan?: MediaPlan;
}

/** The dialog that answered (or that we answered) and the media agreed in it. */
export interface Answer {
  dialog: Dialog;
  plan: MediaPlan;
  client?: InviteUac;
  /**
   * Who answered, for the code check and the logs: on a call the door
   * makes, the URI it called (the INVITE's Request-URI), never the To of
   * the 2xx, which whoever answers writes (a fork could claim any allowed
   * URI there); on an incoming call, the caller's From.
   */
  identity: string;
  /** Where the peer's SIP came from (or our INVITE went: its next hop), for the media destination rules. */
  signalling: string | undefined;
}

export interface CallCore {
  readonly id: number;
  /** Whom we call, or who called. */
  readonly remote: string;
  readonly ua: UserAgent;
  readonly media: CallMedia;
  /** The call's own logger (`call N`). */
  readonly log: Logger;
  readonly config: CallConfig;
  readonly earlyMedia: CallConfig['early_media'];
  /** Video destinations of the call, by media key. */
  readonly forks: Map<string, Fork>;
  phase: CallPhase;
  readonly ended: boolean;
  readonly answered: Answer | undefined;
  /** The peer a code must come from: the one who answered (or called). */
  readonly peer: string | undefined;
  endReason: string | undefined;
  setState(state: CallStateName): void;
  /** The call is answered by (or answers) `answer`: the phase moves on. */
  answer(answer: Answer): void;
  /** The requests of the answered dialog go to the call's in-dialog part, which negotiates with `sdp`. */
  dialogUser(sdp: LocalSdp): AnsweredUser;
  /** Media run: the states say so and max_duration starts. */
  connected(): void;
  finish(state: typeof CallState.End | typeof CallState.Error): void;
  hangup(): Promise<void>;
  /** Log line and event for a peer refused for lack of SRTP (media.srtp = "mandatory", SPEC §4). */
  srtpRefused(peer: string, reason: string): void;
  /** A DTMF digit (INFO) or whole code (MESSAGE) in this call, for the door opener. */
  digit(digit: string): void;
  code(code: string): boolean;
  unreachable(hops: Endpoint[]): void;
}
