/**
 * The binding between door hardware and GPIO lines, after node-serialport's
 * BindingInterface: a backend only opens lines and moves levels; debounce,
 * pulse timing and the relay's safety live above it (door-hardware.ts), so
 * the real backend (onoff) and the simulator behave the same by construction.
 */

/** A physical line level: what the pin carries, before any active-low inversion. */
export type Level = 0 | 1;

export interface InputLine {
  /** The level now. */
  read(): Level;
  close(): void;
}

export interface OutputLine {
  /**
   * Synchronous on purpose: the relay's off level is written from
   * `process.on('exit')`, where nothing asynchronous runs any more.
   */
  write(level: Level): void;
  /** Stops using the line; the last level written stays on the pin. */
  close(): void;
}

export interface GpioBackend {
  readonly kind: 'onoff' | 'sim';
  /** `line` is the BCM number from the config; the backend maps it to its own numbering. */
  openInput(line: number, onChange: (level: Level) => void): InputLine;
  /**
   * Becomes an output at `initial` in one step: an output first set to a
   * default level and then corrected would, for an active-low relay, pulse
   * it for a moment at every start.
   */
  openOutput(line: number, initial: Level): OutputLine;
  /**
   * Only the simulator has this: drives one of its inputs as if the pin had
   * changed. Others leave it undefined and door-hardware feeds the debouncer
   * directly.
   */
  simulateInput?(line: number, level: Level): void;
  /** Releases whatever the backend holds for all its lines. */
  close(): void;
}
