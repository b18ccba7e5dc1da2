/**
 * The control commands, registered in one place so each feature adds its
 * own (door, SIP registration, media) without touching the server.
 */
import type { Logger } from '../log/logger.js';
import { fail, type Reply } from './reply.js';
import { errorMessage, errorDetail } from '../log/error-message.js';

/** What a command may do to the connection it came on. */
export interface ConnectionControl {
  /** Push events to this connection as they happen (`events on`). */
  setEventPush(on: boolean): void;
  /** Close after this reply (`quit`). */
  closeAfterReply(): void;
}

export interface Command {
  readonly name: string;
  /** One line, as `help` lists it: `call <sip-address> [--early-media]`. */
  readonly syntax: string;
  readonly description: string;
  /** `args` is the rest of the line, trimmed. */
  run(args: string, connection: ConnectionControl): Reply | Promise<Reply>;
}

/** linphone-daemon's exact text; clients match on it. */
export const UNKNOWN_COMMAND = 'Unknown command.';

export class CommandRegistry {
  private readonly commands = new Map<string, Command>();
  /** Commands wait for this (the daemon's start: the socket opens before media is up). */
  private ready: Promise<unknown> = Promise.resolve();

  constructor(private readonly log: Logger) {}

  add(...commands: Command[]): void {
    for (const c of commands) {
      if (this.commands.has(c.name)) throw new Error(`control command "${c.name}" registered twice`);
      this.commands.set(c.name, c);
    }
  }

  /** Holds every command until `until` settles; lines keep their order (each awaits the same promise). */
  holdUntil(until: Promise<unknown>): void {
    this.ready = until.catch(() => undefined);
  }

  get(name: string): Command | undefined {
    return this.commands.get(name);
  }

  /** Sorted by name, as linphone-daemon's `help` lists them. */
  list(): Command[] {
    return [...this.commands.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Runs one line. Names are case-sensitive as in linphone-daemon; leading
   * blanks are skipped. A command that throws answers an error and the
   * daemon goes on: nothing typed on the socket may take the door down.
   */
  async execute(line: string, connection: ConnectionControl): Promise<Reply> {
    const m = /^[ \t]*(\S+)[ \t]*(.*)$/s.exec(line);
    const command = m ? this.commands.get(m[1]!) : undefined;
    if (!m || !command) return fail(UNKNOWN_COMMAND);
    await this.ready;
    try {
      return await command.run(m[2]!.trim(), connection);
    } catch (e) {
      this.log.error(`command "${command.name}" failed: ${errorDetail(e)}`);
      return fail(`Internal error in ${command.name}: ${errorMessage(e)}`);
    }
  }
}
