/**
 * The door panel on its own: its relays on the simulator (the guarantees of
 * a door relay, by the panel's API), and its inputs on a backend without
 * `simulateInput` (onoff): press-exit feeds the debouncer, door-contact is refused.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpioBackend, Level } from '../../../src/gpio/backend.js';
import { DoorPanel } from '../../../src/gpio/door-panel.js';
import { SimBackend } from '../../../src/gpio/sim-backend.js';
import { silentLogger } from '../../../src/log/logger.js';
import { fakeGuard } from '../../support/fake-process.js';

function realLikeBackend(): GpioBackend & { outputs: Map<number, Level> } {
  const outputs = new Map<number, Level>();
  return {
    kind: 'onoff',
    outputs,
    openInput: () => ({ read: () => 1, close: () => {} }),
    openOutput: (line, initial) => {
      outputs.set(line, initial);
      return { write: (l) => void outputs.set(line, l), close: () => {} };
    },
    close: () => {},
  };
}

describe('door panel on real GPIO', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('press-exit goes through the debouncer (one press); door-contact cannot fake the real door', async () => {
    const { guard } = fakeGuard();
    const panel = new DoorPanel(
      {
        relays: [{ name: 'door', line: 27, activeLow: false, pulseMs: 1000, openCodes: [] }],
        exitButton: { line: 23, active_low: true },
        doorContact: { line: 24, open_level: 'high' },
        debounceMs: 50,
      },
      silentLogger,
      guard,
    );
    const backend = realLikeBackend();
    panel.open(backend);
    let presses = 0;
    panel.onExit(() => presses++);
    const contact: boolean[] = [];
    panel.onContact((open) => contact.push(open));
    const pressed = panel.pressExit();
    await vi.advanceTimersByTimeAsync(1000);
    expect(await pressed).toEqual({ status: 'pressed' });
    expect(presses).toBe(1);
    expect(await panel.setDoorContact(true)).toEqual({ status: 'not-simulated' });
    expect(contact).toEqual([]);
    // The door contact line reads 1 at start = open with open_level "high": a state, not a change.
    expect(panel.state()).toEqual({ relays: { door: 'off' }, exitButton: 'released', doorContact: 'open' });
    panel.close();
    expect(await panel.pressExit()).toEqual({ status: 'unavailable' });
  });
});

/** One relay "door" on line 27, no inputs, opened on a simulator. */
function simPanel(relay: { activeLow?: boolean; pulseMs?: number } = {}, sim = new SimBackend()) {
  const { proc, guard } = fakeGuard();
  const outputs: Array<[number, Level]> = [];
  sim.onOutput((line, level) => outputs.push([line, level]));
  const panel = new DoorPanel(
    {
      relays: [{ name: 'door', line: 27, activeLow: relay.activeLow ?? false, pulseMs: relay.pulseMs ?? 3000, openCodes: [] }],
      exitButton: { line: -1, active_low: true },
      doorContact: { line: -1, open_level: 'high' },
      debounceMs: 50,
    },
    silentLogger,
    guard,
  );
  panel.open(sim);
  return { panel, sim, proc, outputs };
}

describe('door panel relays on the simulator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pulses the relay for its pulse_ms exactly, and ignores a second request during the pulse', () => {
    const { panel, sim, outputs } = simPanel({ pulseMs: 3000 });
    outputs.length = 0;
    expect(panel.pulse()).toEqual({ status: 'started', ms: 3000 });
    expect(sim.state().outputs[27]).toBe(1);
    vi.advanceTimersByTime(2000);
    expect(panel.pulse('door')).toEqual({ status: 'already-on', remainingMs: 1000 });
    vi.advanceTimersByTime(999);
    expect(panel.state().relays.door).toBe('on');
    vi.advanceTimersByTime(1);
    expect(panel.state().relays.door).toBe('off');
    expect(outputs).toEqual([[27, 1], [27, 0]]);
    expect(panel.pulse().status).toBe('started');
    panel.close();
  });

  it('opens an active-low relay high (off), drives it low for on and high again for off', () => {
    const { panel, sim } = simPanel({ activeLow: true, pulseMs: 100 });
    expect(sim.state().outputs[27]).toBe(1);
    panel.pulse();
    expect(sim.state().outputs[27]).toBe(0);
    vi.advanceTimersByTime(100);
    expect(sim.state().outputs[27]).toBe(1);
    panel.close();
  });

  it('switches the relay off at process exit during a pulse', () => {
    const { panel, sim, proc } = simPanel();
    panel.pulse();
    proc.emit('exit', 0);
    expect(sim.state().outputs[27]).toBe(0);
    panel.close();
  });

  it('after a stop signal, switches off at once and refuses new pulses', () => {
    const { panel, sim, proc } = simPanel();
    proc.on('SIGTERM', () => {}); // the daemon's graceful stop
    panel.pulse();
    proc.emit('SIGTERM', 'SIGTERM');
    expect(sim.state().outputs[27]).toBe(0);
    expect(panel.pulse()).toEqual({ status: 'disarmed' });
    expect(sim.state().outputs[27]).toBe(0);
    panel.close();
  });

  it('close() during a pulse leaves the relay off and removes the process hooks', () => {
    const { panel, sim, proc, outputs } = simPanel();
    panel.pulse();
    outputs.length = 0;
    panel.close();
    expect(outputs).toEqual([[27, 0]]);
    expect(sim.state().outputs).toEqual({ 27: 0 });
    expect(proc.listenerCount('exit')).toBe(0);
    expect(panel.pulse()).toEqual({ status: 'unavailable' });
  });
});

describe('sim backend levelDir', () => {
  it('mirrors every output level to <dir>/gpioN/value, as sysfs holds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorstation-sim-'));
    try {
      const { panel } = simPanel({ activeLow: true }, new SimBackend({ levelDir: dir }));
      const value = () => readFileSync(join(dir, 'gpio27', 'value'), 'utf8');
      expect(value()).toBe('1\n');
      panel.pulse();
      expect(value()).toBe('0\n');
      panel.close();
      expect(value()).toBe('1\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
