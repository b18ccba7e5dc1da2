import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Level } from '../../../src/gpio/backend.js';
import { GpioDoorHardware, type DoorHardwareConfig } from '../../../src/gpio/door-hardware.js';
import { SimBackend } from '../../../src/gpio/sim-backend.js';
import { silentLogger } from '../../../src/log/logger.js';
import { fakeGuard } from '../../support/fake-process.js';

const base: DoorHardwareConfig = {
  button: 17,
  button_active_low: true,
  debounce_ms: 50,
  relay: 27,
  relay_active_low: false,
  relay_pulse_ms: 3000,
  led: 22,
};

function make(config: Partial<DoorHardwareConfig> = {}, sim = new SimBackend({ inputs: { 17: 1 } })) {
  const { proc, guard } = fakeGuard();
  const outputs: Array<[number, Level]> = [];
  sim.onOutput((line, level) => outputs.push([line, level]));
  let presses = 0;
  const hw = new GpioDoorHardware({ config: { ...base, ...config }, backend: sim, log: silentLogger, guard, onPress: () => presses++ });
  return { hw, sim, proc, outputs, presses: () => presses };
}

describe('door hardware on the simulator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens the relay first, at its off level, then the LED and the button', () => {
    const sim = new SimBackend({ inputs: { 17: 1 } });
    const opened: number[] = [];
    sim.onOutput((line) => opened.push(line));
    const { hw } = make({ relay_active_low: true }, sim);
    expect(opened).toEqual([27, 22]);
    expect(sim.state().outputs).toEqual({ 27: 1, 22: 0 });
    expect(hw.state()).toEqual({ button: 'released', relay: 'off', led: 'off' });
  });

  it('press(): bounces on the pin, one press event after the debounce time, resolves once released', async () => {
    const { hw, sim, presses } = make();
    const levels: Level[] = [];
    const done = hw.press();
    await vi.advanceTimersByTimeAsync(10);
    levels.push(sim.state().inputs[17]!);
    expect(presses()).toBe(0);
    await vi.advanceTimersByTimeAsync(60);
    expect(presses()).toBe(1);
    expect(hw.state().button).toBe('pressed');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toEqual({ status: 'pressed' });
    expect(presses()).toBe(1);
    expect(hw.state().button).toBe('released');
    expect(levels).toEqual([0]);
  });

  it('a real-looking bouncing contact on an active-high button is one press', async () => {
    const { sim, presses } = make({ button_active_low: false }, new SimBackend({ inputs: { 17: 0 } }));
    for (let i = 0; i < 10; i++) {
      sim.simulateInput(17, (i % 2 === 0 ? 1 : 0) as Level);
      await vi.advanceTimersByTimeAsync(3);
    }
    sim.simulateInput(17, 1);
    await vi.advanceTimersByTimeAsync(200);
    expect(presses()).toBe(1);
    sim.simulateInput(17, 0);
    await vi.advanceTimersByTimeAsync(200);
    sim.simulateInput(17, 1);
    await vi.advanceTimersByTimeAsync(200);
    expect(presses()).toBe(2);
  });

  it('two press() calls are two presses, one after the other', async () => {
    const { hw, presses } = make();
    const a = hw.press();
    const b = hw.press();
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all([a, b]);
    expect(presses()).toBe(2);
  });

  it('pulses the relay for relay_pulse_ms exactly, and ignores a second request during the pulse', () => {
    const { hw, sim, outputs } = make({ relay_pulse_ms: 3000 });
    outputs.length = 0;
    expect(hw.pulseRelay()).toEqual({ status: 'started', ms: 3000 });
    expect(sim.state().outputs[27]).toBe(1);
    vi.advanceTimersByTime(2000);
    expect(hw.pulseRelay()).toEqual({ status: 'already-on', remainingMs: 1000 });
    vi.advanceTimersByTime(999);
    expect(hw.state().relay).toBe('on');
    vi.advanceTimersByTime(1);
    expect(hw.state().relay).toBe('off');
    expect(outputs).toEqual([[27, 1], [27, 0]]);
    expect(hw.pulseRelay().status).toBe('started');
  });

  it('drives an active-low relay low for on and high for off', () => {
    const { hw, sim } = make({ relay_active_low: true, relay_pulse_ms: 100 });
    expect(sim.state().outputs[27]).toBe(1);
    hw.pulseRelay();
    expect(sim.state().outputs[27]).toBe(0);
    vi.advanceTimersByTime(100);
    expect(sim.state().outputs[27]).toBe(1);
  });

  it('switches the relay off at process exit during a pulse', () => {
    const { hw, sim, proc } = make();
    hw.pulseRelay();
    proc.emit('exit', 0);
    expect(sim.state().outputs[27]).toBe(0);
  });

  it('after a stop signal, switches off at once and refuses new pulses', () => {
    const { hw, sim, proc } = make();
    proc.on('SIGTERM', () => {}); // the daemon's graceful stop
    hw.pulseRelay();
    proc.emit('SIGTERM', 'SIGTERM');
    expect(sim.state().outputs[27]).toBe(0);
    expect(hw.pulseRelay()).toEqual({ status: 'disarmed' });
    expect(sim.state().outputs[27]).toBe(0);
  });

  it('close() during a pulse leaves the relay and LED off and removes the process hooks', () => {
    const { hw, sim, proc, outputs } = make();
    hw.setLed(true);
    hw.pulseRelay();
    outputs.length = 0;
    hw.close();
    expect(outputs).toEqual([[22, 0], [27, 0]]);
    expect(sim.state().outputs).toEqual({ 22: 0, 27: 0 });
    expect(proc.listenerCount('exit')).toBe(0);
    expect(hw.pulseRelay()).toEqual({ status: 'unavailable' });
  });

  it('LED on and off, observable on the pin', () => {
    const { hw, sim } = make();
    hw.setLed(true);
    expect(sim.state().outputs[22]).toBe(1);
    expect(hw.state().led).toBe('on');
    hw.setLed(false);
    expect(sim.state().outputs[22]).toBe(0);
  });

  it('-1 means not wired: no line opened, press and pulse say so, LED calls do nothing', async () => {
    const { hw, sim } = make({ button: -1, relay: -1, led: -1 });
    expect(sim.state()).toEqual({ inputs: {}, outputs: {} });
    expect(hw.pulseRelay()).toEqual({ status: 'no-relay' });
    await expect(hw.press()).resolves.toEqual({ status: 'no-button' });
    hw.setLed(true);
    expect(hw.state()).toEqual({ button: 'none', relay: 'none', led: 'none' });
  });
});

describe('sim backend levelDir', () => {
  it('mirrors every output level to <dir>/gpioN/value, as sysfs holds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorstation-sim-'));
    try {
      const sim = new SimBackend({ levelDir: dir });
      const { guard } = fakeGuard();
      const hw = new GpioDoorHardware({ config: { ...base, relay_active_low: true }, backend: sim, log: silentLogger, guard });
      const value = () => readFileSync(join(dir, 'gpio27', 'value'), 'utf8');
      expect(value()).toBe('1\n');
      hw.pulseRelay();
      expect(value()).toBe('0\n');
      hw.close();
      expect(value()).toBe('1\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
