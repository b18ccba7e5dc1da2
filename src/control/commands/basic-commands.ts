/** The commands every door station has, whatever else is wired: SPEC section 3. */
import { VERSION } from '../../version.js';
import { formatEvent, type EventBus } from '../event-bus.js';
import type { Command, CommandRegistry } from '../registry.js';
import { fail, ok, okText } from '../reply.js';

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
      name: 'memory',
      syntax: 'memory',
      description:
        'Shows the daemon\'s memory in KiB: Rss (all of it), Heap-used and Heap-total (JavaScript objects), External and Array-buffers (native memory V8 knows of). Rss growing while Heap-used stays flat points at native code (GStreamer).',
      // A door station runs for months: whoever watches it needs to tell a JS leak from a native one without a debugger.
      run: () => {
        const m = process.memoryUsage();
        const kib = (n: number) => String(Math.round(n / 1024));
        return ok([
          ['Rss', kib(m.rss)],
          ['Heap-used', kib(m.heapUsed)],
          ['Heap-total', kib(m.heapTotal)],
          ['External', kib(m.external)],
          ['Array-buffers', kib(m.arrayBuffers)],
        ]);
      },
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
