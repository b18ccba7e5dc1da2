/**
 * Call states as liblinphone names them, so linphone-daemon clients keep
 * matching them byte for byte (SPEC section 3, LINPHONE-DAEMON.md §4).
 */
export const CallState = {
  OutgoingInit: 'LinphoneCallOutgoingInit',
  OutgoingProgress: 'LinphoneCallOutgoingProgress',
  OutgoingRinging: 'LinphoneCallOutgoingRinging',
  OutgoingEarlyMedia: 'LinphoneCallOutgoingEarlyMedia',
  IncomingReceived: 'LinphoneCallIncomingReceived',
  Connected: 'LinphoneCallConnected',
  StreamsRunning: 'LinphoneCallStreamsRunning',
  PausedByRemote: 'LinphoneCallPausedByRemote',
  UpdatedByRemote: 'LinphoneCallUpdatedByRemote',
  End: 'LinphoneCallEnd',
  Error: 'LinphoneCallError',
  Released: 'LinphoneCallReleased',
} as const;

export type CallStateName = (typeof CallState)[keyof typeof CallState];

/** Progress order of the outgoing states: a fork's state only moves a call forward. */
export const OUTGOING_RANK: Partial<Record<CallStateName, number>> = {
  [CallState.OutgoingInit]: 0,
  [CallState.OutgoingProgress]: 1,
  [CallState.OutgoingRinging]: 2,
  [CallState.OutgoingEarlyMedia]: 3,
};
