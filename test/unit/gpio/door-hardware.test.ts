import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Level } from '../../../src/gpio/backend.js';
import { GpioDoorHardware, type DoorHardwareConfig } from '../../../src/gpio/door-hardware.js';
import { SimBackend } from '../../../src/gpio/sim-backend.js';
import { silentLogger } from '../../../src/log/logger.js';

const base: DoorHardwareConfig = {
  button: 17,
  button_active_low: true,
  debounce_ms: 50,
  led: 22,
};

function make(config: Partial<DoorHardwareConfig> = {}, sim = new SimBackend({ inputs: { 17: 1 } })) {
  const outputs: Array<[number, Level]> = [];
  sim.onOutput((line, level) => outputs.push([line, level]));
  let presses = 0;
  const hw = new GpioDoorHardware({ config: { ...base, ...config }, backend: sim, log: silentLogger, onPress: () => presses++ });
  return { hw, sim, outputs, presses: () => presses };
}

describe('door hardware on the simulator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens the LED off and the button released, and no other line (the relays are the door panel\'s)', () => {
    const { hw, sim } = make();
    expect(sim.state()).toEqual({ inputs: { 17: 1 }, outputs: { 22: 0 } });
    expect(hw.state()).toEqual({ button: 'released', led: 'off' });
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

  it('close() leaves the LED off and answers unavailable afterwards', async () => {
    const { hw, sim, outputs } = make();
    hw.setLed(true);
    outputs.length = 0;
    hw.close();
    expect(outputs).toEqual([[22, 0]]);
    expect(sim.state().outputs).toEqual({ 22: 0 });
    await expect(hw.press()).resolves.toEqual({ status: 'unavailable' });
  });

  it('LED on and off, observable on the pin', () => {
    const { hw, sim } = make();
    hw.setLed(true);
    expect(sim.state().outputs[22]).toBe(1);
    expect(hw.state().led).toBe('on');
    hw.setLed(false);
    expect(sim.state().outputs[22]).toBe(0);
  });

  it('-1 means not wired: no line opened, press says so, LED calls do nothing', async () => {
    const { hw, sim } = make({ button: -1, led: -1 });
    expect(sim.state()).toEqual({ inputs: {}, outputs: {} });
    await expect(hw.press()).resolves.toEqual({ status: 'no-button' });
    hw.setLed(true);
    expect(hw.state()).toEqual({ button: 'none', led: 'none' });
  });
});
