import { describe, expect, it } from 'vitest';
import { LineReader } from '../../../src/control/line-reader.js';
import { fail, formatReply, ok, okText } from '../../../src/control/reply.js';
import { EventBus, formatEvent } from '../../../src/control/event-bus.js';
import { CommandRegistry } from '../../../src/control/registry.js';
import { silentLogger } from '../../../src/log/logger.js';

const noConn = { setEventPush: () => {}, closeAfterReply: () => {} };

describe('reply framing (linphone-daemon shapes, always ending with an empty line)', () => {
  it('formats Ok, Ok with body, Error', () => {
    expect(formatReply(ok())).toBe('Status: Ok\n\n');
    expect(formatReply(ok([['Version', '1.2.3']]))).toBe('Status: Ok\n\nVersion: 1.2.3\n\n');
    expect(formatReply(ok([['Early media', 'Ok'], ['Id', 2]]))).toBe('Status: Ok\n\nEarly media: Ok\nId: 2\n\n');
    expect(formatReply(fail('Unknown command.'))).toBe('Status: Error\nReason: Unknown command.\n\n');
    expect(formatReply(okText('Size: 0\n'))).toBe('Status: Ok\n\nSize: 0\n\n');
  });

  it('keeps a reason on one line whatever it holds', () => {
    expect(formatReply(fail('a\r\nb'))).toBe('Status: Error\nReason: a b\n\n');
  });
});

describe('line reader', () => {
  it('splits LF and CRLF lines and keeps a partial one for later', () => {
    const r = new LineReader();
    expect(r.push(Buffer.from('version\r\nhelp qu'))).toEqual([{ kind: 'line', line: 'version' }]);
    expect(r.push(Buffer.from('it\n'))).toEqual([{ kind: 'line', line: 'help quit' }]);
    expect(r.flush()).toEqual([]);
  });

  it('runs a last line without newline at end of input', () => {
    const r = new LineReader();
    expect(r.push(Buffer.from('version'))).toEqual([]);
    expect(r.flush()).toEqual([{ kind: 'line', line: 'version' }]);
  });

  it('turns an over-long line into one error and resynchronises on the next newline', () => {
    const r = new LineReader(16);
    const out = [...r.push(Buffer.alloc(10, 'x')), ...r.push(Buffer.alloc(10, 'x')), ...r.push(Buffer.from('yy\nversion\n'))];
    expect(out).toEqual([{ kind: 'too-long', bytes: 22 }, { kind: 'line', line: 'version' }]);
  });
});

describe('command registry', () => {
  const reg = new CommandRegistry(silentLogger);
  reg.add(
    { name: 'echo', syntax: 'echo <x>', description: '', run: (a) => ok([['Args', a]]) },
    { name: 'boom', syntax: 'boom', description: '', run: () => { throw new Error('kaput'); } },
  );

  it('is case-sensitive like linphone-daemon and skips leading blanks', async () => {
    expect(await reg.execute('ECHO x', noConn)).toEqual(fail('Unknown command.'));
    expect(await reg.execute(' \techo  a b ', noConn)).toEqual(ok([['Args', 'a b']]));
  });

  it('answers binary junk with Unknown command', async () => {
    expect(await reg.execute('\u0001\u00ff\u0000zz', noConn)).toEqual(fail('Unknown command.'));
  });

  it('turns a throwing command into an error reply', async () => {
    expect(await reg.execute('boom', noConn)).toEqual(fail('Internal error in boom: kaput'));
  });

  it('refuses a name registered twice', () => {
    expect(() => reg.add({ name: 'echo', syntax: '', description: '', run: () => ok() })).toThrow(/twice/);
  });
});

describe('event bus', () => {
  it('pops oldest first with Size counting what is left', () => {
    const bus = new EventBus(silentLogger);
    bus.publish({ type: 'button-pressed', body: [] });
    bus.publish({ type: 'call-state-changed', body: [['Event', 'LinphoneCallOutgoingInit'], ['Id', 1]] });
    expect(bus.pop().remaining).toBe(1);
    const { event, remaining } = bus.pop();
    expect(remaining).toBe(0);
    expect(formatEvent(event!)).toBe('Event-type: call-state-changed\n\nEvent: LinphoneCallOutgoingInit\nId: 1\n');
    expect(bus.pop()).toEqual({ event: undefined, remaining: 0 });
  });

  it('is bounded: the oldest go first', () => {
    const bus = new EventBus(silentLogger, 3);
    for (let i = 0; i < 5; i++) bus.publish({ type: 't', body: [['N', i]] });
    expect(bus.size).toBe(3);
    expect(bus.pop().event?.body).toEqual([['N', 2]]);
  });
});
