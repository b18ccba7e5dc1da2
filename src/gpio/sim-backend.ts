/**
 * GPIO without hardware (`gpio.backend = "sim"`): demo mode, development
 * machines, tests. Inputs change only when told to (`simulateInput`, used
 * by the `press` command through the same debouncer as a real button);
 * every output change is logged, reported to listeners, kept for `state()`,
 * and, with `levelDir`, written to `<levelDir>/gpio<N>/value` synchronously
 * as sysfs would hold it, so another process can check what a pin was left
 * at after this one ended (test/interop/door/relay-safety.test.ts).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../log/logger.js';
import type { GpioBackend, InputLine, Level, OutputLine } from './backend.js';

/**
 * DOORSTATION_SIM_GPIO_DIR: the simulator's levelDir for the daemon, so
 * tests of the whole program (start failures, signals) can see what the
 * relay line was left at. Unset: levels are kept in memory only.
 */
export function simLevelDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env['DOORSTATION_SIM_GPIO_DIR'] || undefined;
}

export interface SimBackendOptions {
  log?: Logger;
  levelDir?: string;
  /** Input levels at start, by BCM line; unlisted inputs start at 1 (a pull-up, as on the Pi's default button wiring). */
  inputs?: Readonly<Record<number, Level>>;
}

export interface SimState {
  readonly inputs: Readonly<Record<number, Level>>;
  readonly outputs: Readonly<Record<number, Level>>;
}

export type SimOutputListener = (line: number, level: Level) => void;

export class SimBackend implements GpioBackend {
  readonly kind = 'sim';
  private readonly inputs = new Map<number, { level: Level; onChange: (level: Level) => void }>();
  /** Levels of every line ever driven: a pin keeps its level after its owner lets go. */
  private readonly outputs = new Map<number, Level>();
  private readonly owned = new Set<number>();
  private readonly listeners = new Set<SimOutputListener>();
  private readonly log: Logger;

  constructor(private readonly opts: SimBackendOptions = {}) {
    this.log = opts.log ?? silentLogger;
  }

  openInput(line: number, onChange: (level: Level) => void): InputLine {
    if (this.inputs.has(line) || this.owned.has(line)) throw new Error(`sim GPIO line ${line} is already open`);
    this.inputs.set(line, { level: this.opts.inputs?.[line] ?? 1, onChange });
    return {
      read: () => this.inputs.get(line)?.level ?? 1,
      close: () => void this.inputs.delete(line),
    };
  }

  openOutput(line: number, initial: Level): OutputLine {
    if (this.inputs.has(line) || this.owned.has(line)) throw new Error(`sim GPIO line ${line} is already open`);
    if (this.opts.levelDir) mkdirSync(join(this.opts.levelDir, `gpio${line}`), { recursive: true });
    this.owned.add(line);
    this.set(line, initial, true);
    return {
      write: (level) => this.set(line, level, false),
      close: () => void this.owned.delete(line),
    };
  }

  simulateInput(line: number, level: Level): void {
    const input = this.inputs.get(line);
    if (!input || input.level === level) return;
    input.level = level;
    input.onChange(level);
  }

  onOutput(listener: SimOutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  state(): SimState {
    return {
      inputs: Object.fromEntries([...this.inputs].map(([line, i]) => [line, i.level])),
      outputs: Object.fromEntries(this.outputs),
    };
  }

  close(): void {
    this.inputs.clear();
    this.owned.clear();
  }

  private set(line: number, level: Level, opening: boolean): void {
    const before = this.outputs.get(line);
    this.outputs.set(line, level);
    // Written even when unchanged: the file must show this process's level, not a previous one's.
    if (this.opts.levelDir) {
      // Through a rename, so a process reading the file never sees it truncated and empty.
      const file = join(this.opts.levelDir, `gpio${line}`, 'value');
      writeFileSync(`${file}.tmp`, `${level}\n`);
      renameSync(`${file}.tmp`, file);
    }
    if (before === level && !opening) return;
    this.log.info(`sim: gpio${line} = ${level}${opening ? ' (opened as output)' : ''}`);
    for (const l of this.listeners) l(line, level);
  }
}
