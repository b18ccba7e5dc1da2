/**
 * `register-status`, `register`, `unregister` with linphone-daemon's
 * replies (LINPHONE-DAEMON.md §5). doorstation has at most one account,
 * id 1, configured in `[account]`; the commands act on it.
 */
import type { RegistrationClient, RegistrationState } from '../../sip/registration/registration-client.js';
import type { Command } from '../registry.js';
import { fail, ok, type Body } from '../reply.js';

export const ACCOUNT_ID = 1;

export const linphoneRegistrationState = (s: RegistrationState): string => `LinphoneRegistration${s}`;

/** ID or ALL; linphone's reasons for anything else. */
function pick(args: string, registration: RegistrationClient | undefined): { ok: true; all: boolean } | { ok: false; reason: string } {
  if (args === '' || args === 'ALL') return { ok: true, all: true };
  if (!/^\d+$/.test(args)) return { ok: false, reason: 'Incorrect parameter.' };
  if (Number(args) !== ACCOUNT_ID || !registration) return { ok: false, reason: 'No register with such id.' };
  return { ok: true, all: false };
}

/** The client, or a getter for it: a registrar found later (mDNS discovery) is then seen too. */
export function registrationCommands(client: RegistrationClient | undefined | (() => RegistrationClient | undefined)): Command[] {
  const current = typeof client === 'function' ? client : () => client;
  const status = (r: RegistrationClient): Body => [
    ['Id', ACCOUNT_ID],
    ['State', linphoneRegistrationState(r.state)],
  ];
  return [
    {
      name: 'register-status',
      syntax: 'register-status [<register_id>|ALL]',
      description: 'Shows the registration state of the account configured in [account] (id 1).',
      run: (args) => {
        const registration = current();
        const p = pick(args, registration);
        if (!p.ok) return fail(p.reason);
        return ok(registration ? status(registration) : []);
      },
    },
    {
      name: 'register',
      syntax: 'register [<register_id>]',
      description: 'Sends a REGISTER now (after unregister, registers again). The reply comes before the registrar answers.',
      run: (args) => {
        const registration = current();
        if (!registration) return fail('No registrar configured (account.registrar).');
        const p = pick(args, registration);
        if (!p.ok) return fail(p.reason);
        registration.start();
        return ok([['Id', ACCOUNT_ID]]);
      },
    },
    {
      name: 'unregister',
      syntax: 'unregister [<register_id>|ALL]',
      description: 'Removes the binding at the registrar (Expires: 0) until the next register.',
      run: async (args) => {
        const registration = current();
        const p = pick(args, registration);
        if (!p.ok) return fail(p.reason);
        await registration?.stop();
        return ok();
      },
    },
  ];
}
