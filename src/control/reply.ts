/**
 * linphone-daemon's reply shapes (LINPHONE-DAEMON.md §3), with one
 * deliberate superset: every reply ends with an empty line, so a client
 * can split a stream of replies on "\n\n" after the last body line.
 */

import type { EventBody } from '../events/event-sink.js';

/** `Key: Value` lines, in order. */
export type Body = EventBody;

export type Reply =
  | { readonly status: 'ok'; readonly body?: Body; readonly text?: string }
  | { readonly status: 'error'; readonly reason: string };

export const ok = (body?: Body): Reply => ({ status: 'ok', body });
/** A free-text body (help, pop-event) that is not `Key: Value` lines. */
export const okText = (text: string): Reply => ({ status: 'ok', text });
export const fail = (reason: string): Reply => ({ status: 'error', reason });

/**
 * An outcome's status as a reply: `null` in `reasons` is success, a string the error's reason.
 * The table names every status, so a status added later does not compile until it has its reply.
 */
export function outcomeReply<S extends string>(status: S, reasons: Record<S, string | null>): Reply {
  const reason = reasons[status];
  return reason === null ? ok() : fail(reason);
}

export function formatBody(body: Body): string {
  return body.map(([k, v]) => `${k}: ${v}\n`).join('');
}

export function formatReply(reply: Reply): string {
  if (reply.status === 'error') return `Status: Error\nReason: ${oneLine(reply.reason)}\n\n`;
  const text = reply.text ?? (reply.body && reply.body.length > 0 ? formatBody(reply.body) : '');
  if (text === '') return 'Status: Ok\n\n';
  return `Status: Ok\n\n${text.endsWith('\n') ? text : text + '\n'}\n`;
}

/** A reason or an event field must not break the framing, whatever text an error carried. */
export function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
