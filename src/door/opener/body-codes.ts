/**
 * Codes carried in SIP bodies. INFO: `application/dtmf-relay` (`Signal=5`,
 * Cisco's format most phones use) and `application/dtmf` (the bare digit).
 * MESSAGE: a `text/plain` body is the code.
 */
import { toDtmfDigit } from '../../dtmf.js';
import { eventToDigit } from '../../media/audio/dtmf-event.js';


/**
 * Some senders give the RFC 4733 event number instead of the character
 * (`Signal=11` for `#`, as Asterisk accepts): reading only the first
 * character would turn 10 and 11 into a stray `1` that spoils the entry.
 */
function digitOf(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const digit = toDtmfDigit(token);
  if (digit) return digit;
  if (/^\d{1,2}$/.test(token)) return eventToDigit(Number(token));
  return undefined;
}

export function digitFromInfo(contentType: string | undefined, body: string): string | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/dtmf-relay') return digitOf(/^\s*Signal\s*=\s*(\S+)/im.exec(body)?.[1]);
  if (type === 'application/dtmf') return digitOf(body.trim().split(/\s/)[0]);
  return undefined;
}

/**
 * The code a MESSAGE body carries, or undefined when the body is not text
 * meant for us: chat clients also send is-composing notices and delivery
 * reports as MESSAGE, and counting those as wrong codes would lock the
 * door while a resident is still typing the right one.
 */
export function codeFromMessage(contentType: string | undefined, body: string): string | undefined {
  const type = (contentType ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
  return type === 'text/plain' ? body.trim() : undefined;
}
