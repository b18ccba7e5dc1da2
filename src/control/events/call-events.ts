/**
 * The door's call events as linphone-daemon shows them: its state names
 * (LINPHONE-DAEMON.md §4) and the `call-state-changed` / `srtp-refused`
 * bodies, which existing clients compare byte for byte (SPEC section 3).
 * The door itself knows none of this.
 */
import { CallState, type CallStateName } from '../../door/call/call-state.js';
import type { DoorStation } from '../../door/door-station.js';
import type { EventSink } from '../../events/event-sink.js';

/** Call states as liblinphone names them. */
export const LINPHONE_CALL_STATE: Record<CallStateName, string> = {
  [CallState.OutgoingInit]: 'LinphoneCallOutgoingInit',
  [CallState.OutgoingProgress]: 'LinphoneCallOutgoingProgress',
  [CallState.OutgoingRinging]: 'LinphoneCallOutgoingRinging',
  [CallState.OutgoingEarlyMedia]: 'LinphoneCallOutgoingEarlyMedia',
  [CallState.IncomingReceived]: 'LinphoneCallIncomingReceived',
  [CallState.Connected]: 'LinphoneCallConnected',
  [CallState.StreamsRunning]: 'LinphoneCallStreamsRunning',
  [CallState.PausedByRemote]: 'LinphoneCallPausedByRemote',
  [CallState.UpdatedByRemote]: 'LinphoneCallUpdatedByRemote',
  [CallState.End]: 'LinphoneCallEnd',
  [CallState.Error]: 'LinphoneCallError',
  [CallState.Released]: 'LinphoneCallReleased',
};

export function publishCallEvents(door: DoorStation, events: EventSink): void {
  door.on('call-state', (c) =>
    events.publish({
      type: 'call-state-changed',
      // Reason: is our superset (SPEC section 3): why a call ended or failed.
      body: [['Event', LINPHONE_CALL_STATE[c.state]], ['From', c.from], ['Id', c.id], ...(c.reason ? ([['Reason', c.reason]] as const) : [])],
    }),
  );
  door.on('srtp-refused', (r) => events.publish({ type: 'srtp-refused', body: [['Id', r.id], ['Peer', r.peer], ['Reason', r.reason]] }));
}
