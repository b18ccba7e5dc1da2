/**
 * `history [N]`: `Size: N` then one block per call, newest first, each
 * ended by an empty line; bad counts refused; a hand-edited log with line
 * breaks or control bytes in its strings cannot break the reply's framing.
 */
import { describe, expect, it } from 'vitest';
import { historyCommands } from '../../../src/control/commands/history-command.js';
import { formatReply } from '../../../src/control/reply.js';
import type { CallRecord } from '../../../src/door/history/call-record.js';
import { frame } from '../../support/control-stream.js';

const call = (id: number, extra: Partial<CallRecord> = {}): CallRecord => ({
  id,
  time: `2026-12-03T15:30:0${id}.000Z`,
  button: 'button',
  plan: 'default',
  targets: ['sip:kitchen@myhouse', 'sip:hall@myhouse'],
  answered_by: 'sip:kitchen@myhouse',
  ring_ms: 4400,
  talk_ms: 31_600,
  end: 'hung up by peer',
  door: [{ time: '2026-12-03T15:30:20.456Z', relay: 'door', method: 'dtmf', by: 'sip:kitchen@myhouse' }],
  pictures: [`visitor-${id}-20261203-153000-180.jpg`],
  ...extra,
});

function run(records: CallRecord[] | undefined, args: string): Promise<string> {
  const [cmd] = historyCommands(records && { latest: (n) => records.slice(-n).reverse() });
  return Promise.resolve(cmd!.run(args, { setEventPush: () => {}, closeAfterReply: () => {} })).then(formatReply);
}

describe('history command', () => {
  it('lists the latest calls newest first, one block each', async () => {
    const unanswered = call(1, { answered_by: null, ring_ms: 30_000, talk_ms: 0, end: 'no answer within 30 s', door: [], pictures: [] });
    expect(await run([unanswered, call(2)], '')).toBe(
      'Status: Ok\n\nSize: 2\n\n' +
        'Id: 2\nTime: 2026-12-03T15:30:02.000Z\nButton: button\nPlan: default\nTargets: sip:kitchen@myhouse, sip:hall@myhouse\n' +
        'Answered-by: sip:kitchen@myhouse\nRing: 4\nDuration: 32\nEnd: hung up by peer\n' +
        'Door: door dtmf by sip:kitchen@myhouse at 2026-12-03T15:30:20.456Z\nPictures: visitor-2-20261203-153000-180.jpg\n\n' +
        'Id: 1\nTime: 2026-12-03T15:30:01.000Z\nButton: button\nPlan: default\nTargets: sip:kitchen@myhouse, sip:hall@myhouse\n' +
        'Answered-by: none\nRing: 30\nDuration: 0\nEnd: no answer within 30 s\nDoor: no\nPictures: none\n\n',
    );
    expect(await run([call(1), call(2), call(3)], '1')).toMatch(/^Status: Ok\n\nSize: 1\n\nId: 3\n/);
    expect(await run([], '')).toBe('Status: Ok\n\nSize: 0\n\n');
  });

  it.each(['0', '101', 'ten', '-1', '1 2', '1000'])('refuses the count %j', async (arg) => {
    expect(await run([], arg)).toMatch(/^Status: Error\nReason: Incorrect parameter/);
  });

  it('says when history is off', async () => {
    expect(await run(undefined, '')).toBe('Status: Error\nReason: History is off (history.enabled = false).\n\n');
  });

  it('a log edited by hand cannot break the framing', async () => {
    const evil = call(1, { end: 'x\n\nStatus: Ok\n\n', button: 'a\tb\r\nc', plan: '\x1b[31mred' });
    const f = frame(await run([evil], ''));
    expect(f.malformed).toEqual([]);
    expect(f.replies).toHaveLength(1);
  });
});
