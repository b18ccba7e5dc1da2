/** BYE (RFC 3261 §15.1.1): ends a dialog, whoever started the call. */
import type { SipStack } from '../core/sip-stack.js';
import type { Dialog } from './dialog.js';

/** BYE in `dialog`; resolves when answered (any final response) or given up. */
export function sendBye(stack: SipStack, dialog: Dialog): Promise<void> {
  dialog.state = 'terminated';
  return new Promise((resolve) => {
    stack.send(dialog.createRequest('BYE'), { onResponse: (r) => r.status >= 200 && resolve(), onFailure: () => resolve() }, dialog.nextHop).catch(() => resolve());
  });
}
