/** The commands every door station has, whatever else is wired: SPEC section 3. */
import { VERSION } from '../version.js';
import { formatEvent, type EventBus } from './event-bus.js';
import type { Command, CommandRegistry } from './registry.js';
import { fail, ok, okText } from './reply.js';

export function basicCommands(registry: CommandRegistry, events: EventBus): Command[] {
  return [
    {
      name: 'help',
      syntax: 'help [<command>]',
      description: 'Lists the commands, or shows how to use one.',
      run: (args) => {
        const one = args ? registry.get(args) : undefined;
        if (one) return okText(`${one.syntax}\n\n${one.description}\n`);
        return okText(registry.list().map((c) => `${c.syntax}\n`).join(''));
      },
    },
    {
      name: 'version',
      syntax: 'version',
      description: 'Shows the version of doorstation.',
      run: () => ok([['Version', VERSION]]),
    },
    {
      name: 'quit',
      syntax: 'quit',
      description: 'Closes this connection. The daemon goes on (a typo on a shared socket must not stop the door).',
      run: (_args, connection) => {
        connection.closeAfterReply();
        return ok();
      },
    },
    {
      name: 'pop-event',
      syntax: 'pop-event',
      description: 'Takes the oldest queued event. Size: is how many remain after it, as in linphone-daemon.',
      run: () => {
        const { event, remaining } = events.pop();
        return okText(`Size: ${remaining}\n${event ? formatEvent(event) : ''}`);
      },
    },
    {
      name: 'events',
      syntax: 'events on|off',
      description: 'Pushes events on this connection as they happen (on), or stops (off).',
      run: (args, connection) => {
        if (args !== 'on' && args !== 'off') return fail('Expected "on" or "off".');
        connection.setEventPush(args === 'on');
        return ok();
      },
    },
  ];
}
