/** Issue 15: several buttons, each debounced on its own, pressed by name; a line-less [[buttons]] entry is pressed through its debouncer. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { effectiveButtons } from '../../../src/config/buttons.js';
import { GpioService } from '../../../src/gpio/gpio-service.js';
import type { SimBackend } from '../../../src/gpio/sim-backend.js';
import { silentLogger } from '../../../src/log/logger.js';
import { fakeGuard } from '../../support/fake-process.js';

function service() {
  const config = configSchema.parse({
    gpio: { backend: 'sim' },
    buttons: [
      { name: 'flat-1', line: 5 },
      { name: 'flat-2', line: 6, active_low: false },
      { name: 'gate', line: -1 },
    ],
  });
  const { guard } = fakeGuard();
  const gpio = new GpioService({ config: config.gpio, log: silentLogger, guard, buttons: effectiveButtons(config) });
  const presses: string[] = [];
  gpio.onPress((b) => presses.push(b));
  return { gpio, presses };
}

describe('several buttons', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('each starts released at its own polarity and is pressed by name; no name: the first', async () => {
    const { gpio, presses } = service();
    await gpio.start();
    const sim = gpio.backend as SimBackend;
    expect(sim.state().inputs).toEqual({ 5: 1, 6: 0 });
    expect(gpio.buttonNames).toEqual(['flat-1', 'flat-2', 'gate']);
    for (const name of ['flat-2', undefined, 'gate']) {
      const p = gpio.press(name);
      await vi.advanceTimersByTimeAsync(1000);
      await expect(p).resolves.toEqual({ status: 'pressed' });
    }
    expect(presses).toEqual(['flat-2', 'flat-1', 'gate']);
    await expect(gpio.press('nobody')).resolves.toEqual({ status: 'unknown-button', names: ['flat-1', 'flat-2', 'gate'] });
    await gpio.stop();
  });

  it('bouncing on one line presses only that button, once', async () => {
    const { gpio, presses } = service();
    await gpio.start();
    const sim = gpio.backend as SimBackend;
    for (let i = 0; i < 5; i++) {
      sim.simulateInput(6, 1);
      await vi.advanceTimersByTimeAsync(5);
      sim.simulateInput(6, 0);
      await vi.advanceTimersByTimeAsync(5);
    }
    sim.simulateInput(6, 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(presses).toEqual(['flat-2']);
    await gpio.stop();
  });
});
