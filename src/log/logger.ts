/**
 * One line per event on stdout (SPEC section 5). Under systemd the level
 * travels as a `<N>` syslog priority prefix so journald keeps it, and the
 * timestamp is left to journald (why not a logging library:
 * docs/architecture.md, "Why these parts").
 */

import { redact } from './redact.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** syslog priorities (sd-daemon(3)): err, warning, info, debug. */
const PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7, trace: 7 };

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  trace(msg: string): void;
  enabled(level: LogLevel): boolean;
  /** A logger for one part of the program: its lines start with `name:`. */
  child(name: string): Logger;
}

export interface LogSinkOptions {
  level: LogLevel;
  /** Write `<N>` prefixes instead of timestamps (journald). */
  systemd: boolean;
  write: (line: string) => void;
}

/**
 * Secrets registered here are replaced by `***` in every line, whatever
 * the level: a password or HA1 must never reach a log (SPEC section 5),
 * even when it turns up inside a SIP message printed at trace.
 */
export class LogSink {
  private readonly secrets = new Set<string>();
  constructor(private readonly opts: LogSinkOptions) {}

  set level(level: LogLevel) {
    this.opts.level = level;
  }

  addSecret(secret: string): void {
    // Short strings would blank out ordinary words.
    if (secret.length >= 4) this.secrets.add(secret);
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(this.opts.level);
  }

  emit(level: LogLevel, name: string, msg: string): void {
    if (!this.enabled(level)) return;
    // Redacted before the name goes in front: its rules look at the start of each line.
    const body = redact(msg);
    let text = name ? `${name}: ${body}` : body;
    for (const s of this.secrets) text = text.split(s).join('***');
    // One event, one line: newlines inside (SIP messages at trace) are escaped.
    text = text.replace(/\r?\n/g, '\\n');
    const line = this.opts.systemd
      ? `<${PRIORITY[level]}>${text}`
      : `${new Date().toISOString()} ${level.padEnd(5)} ${text}`;
    this.opts.write(line + '\n');
  }

  logger(name = ''): Logger {
    const at = (level: LogLevel) => (msg: string) => this.emit(level, name, msg);
    return {
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
      trace: at('trace'),
      enabled: (level) => this.enabled(level),
      child: (child) => this.logger(name ? `${name}.${child}` : child),
    };
  }
}

/** journald sets JOURNAL_STREAM for services whose stdout it reads. */
export function underSystemd(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.JOURNAL_STREAM);
}

export function consoleSink(level: LogLevel = 'info'): LogSink {
  return new LogSink({ level, systemd: underSystemd(), write: (l) => process.stdout.write(l) });
}

/** For tests and library use: drops everything. */
export const silentLogger: Logger = new LogSink({ level: 'error', systemd: false, write: () => {} }).logger();
