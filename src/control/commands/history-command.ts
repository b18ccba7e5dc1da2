/**
 * `history [N]` (issue 15): the latest N calls of the call log, newest
 * first. linphone-daemon's multi-item reply shape: a `Size:` line, then one
 * `Key: Value` block per call, each ended by an empty line, so a client
 * reading a stream knows how many blocks follow.
 */
import type { CallRecord } from '../../door/history/call-record.js';
import type { Command } from '../registry.js';
import { fail, okText, formatBody, type Body } from '../reply.js';

// eslint-disable-next-line no-control-regex -- a hand-edited log may hold control bytes; a reply must not
const CONTROL = /[\x00-\x1f\x7f]+/g;

export const HISTORY_DEFAULT = 10;
export const HISTORY_MAX = 100;

export function historyCommands(history: { latest(n: number): CallRecord[] } | undefined): Command[] {
  return [
    {
      name: 'history',
      syntax: 'history [<count>]',
      description: `The latest calls of the call log, newest first (${HISTORY_DEFAULT} by default, at most ${HISTORY_MAX}): time, button, plan, who answered, how long, door openings, pictures.`,
      run: (args) => {
        if (!history) return fail('History is off (history.enabled = false).');
        if (args !== '' && !/^\d{1,3}$/.test(args)) return fail('Incorrect parameter.');
        const n = args === '' ? HISTORY_DEFAULT : Number(args);
        if (n < 1 || n > HISTORY_MAX) return fail(`Incorrect parameter: the count is 1 to ${HISTORY_MAX}.`);
        const calls = history.latest(n);
        return okText([`Size: ${calls.length}\n`, ...calls.map((c) => formatBody(historyBlock(c)))].join('\n'));
      },
    },
  ];
}

/** One call as the reply shows it (docs/control-protocol.md, `history`). */
export function historyBlock(c: CallRecord): Body {
  const seconds = (ms: number) => Math.round(ms / 1000);
  const door = c.door.map((o) => `${o.relay} ${o.method} by ${o.by} at ${o.time}`).join('; ');
  const body: Body = [
    ['Id', c.id],
    ['Time', c.time],
    ['Button', c.button],
    ['Plan', c.plan],
    ['Targets', c.targets.join(', ') || 'none'],
    ['Answered-by', c.answered_by ?? 'none'],
    ['Ring', seconds(c.ring_ms)],
    ['Duration', seconds(c.talk_ms)],
    ['End', c.end],
    ['Door', door || 'no'],
    ['Pictures', c.pictures.join(', ') || 'none'],
  ];
  // Written by the door, but a log edited by hand must not break the reply's framing.
  return body.map(([k, v]) => [k, typeof v === 'string' ? v.replace(CONTROL, ' ') : v] as const);
}
