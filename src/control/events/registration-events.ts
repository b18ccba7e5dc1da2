/**
 * The SIP registration's state changes as linphone-daemon's
 * `registration-state-changed` event (LINPHONE-DAEMON.md §5): the one
 * account, its liblinphone state name, the registrar, and why when known.
 */
import type { PublishedEvent } from '../../events/event-sink.js';
import type { RegistrationState } from '../../sip/registration/registration-client.js';
import { ACCOUNT_ID, linphoneRegistrationState } from '../commands/registration-commands.js';

export const REGISTRATION_STATE_CHANGED = 'registration-state-changed';

export function registrationEvent(state: RegistrationState, detail: { registrar: string; reason?: string }): PublishedEvent {
  const { registrar, reason } = detail;
  return {
    type: REGISTRATION_STATE_CHANGED,
    body: [['Id', ACCOUNT_ID], ['State', linphoneRegistrationState(state)], ['Registrar', registrar], ...(reason ? ([['Reason', reason]] as const) : [])],
  };
}
