import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { EventBus, type ControlEvent } from '../../../src/control/event-bus.js';
import { formatReply } from '../../../src/control/reply.js';
import type { Service } from '../../../src/daemon.js';
import { pressCommands } from '../../../src/control/commands/press-command.js';
import { publishGpioEvents } from '../../../src/control/events/gpio-events.js';
import { GpioService } from '../../../src/gpio/gpio-service.js';
import type { SimBackend } from '../../../src/gpio/sim-backend.js';
import { silentLogger } from '../../../src/log/logger.js';
import { fakeGuard } from '../../support/fake-process.js';

const noConn = { setEventPush: () => {}, closeAfterReply: () => {} };

function service(gpio: Record<string, unknown> = {}) {
  const config = configSchema.parse({ gpio: { backend: 'sim', led: 22, ...gpio } }).gpio;
  const events = new EventBus(silentLogger);
  const seen: ControlEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const { proc, guard } = fakeGuard();
  const gpioService = new GpioService({ config, log: silentLogger, guard });
  publishGpioEvents(gpioService, events);
  const press = pressCommands(gpioService).find((c) => c.name === 'press')!;
  return { gpio: gpioService, seen, proc, press };
}

describe('GPIO service and the press command', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is Service-shaped and answers "unavailable" before start', async () => {
    const { gpio, press } = service();
    const asService: Service = gpio;
    expect(asService.name).toBe('gpio');
    expect(gpio.pulseRelay()).toEqual({ status: 'unavailable' });
    expect(formatReply(await press.run('', noConn))).toBe('Status: Error\nReason: GPIO is not running.\n\n');
  });

  it('press: Status: Ok after the release, one button-pressed event, listeners called (the ring)', async () => {
    const { gpio, seen, press } = service();
    await gpio.start();
    let rings = 0;
    gpio.onPress(() => rings++);
    const reply = press.run('', noConn);
    await vi.advanceTimersByTimeAsync(1000);
    expect(formatReply(await reply)).toBe('Status: Ok\n\n');
    expect(seen).toEqual([{ type: 'button-pressed', body: [['Button', 'button']] }]);
    expect(rings).toBe(1);
    await gpio.stop();
  });

  it('the simulated button starts released whether wired active-low or active-high', async () => {
    for (const button_active_low of [true, false]) {
      const { gpio, seen } = service({ button_active_low });
      await gpio.start();
      expect(gpio.state().button).toBe('released');
      const p = gpio.press();
      await vi.advanceTimersByTimeAsync(1000);
      await p;
      expect(seen.map((e) => e.type)).toEqual(['button-pressed']);
      await gpio.stop();
    }
  });

  it('press with button = -1: No button configured.', async () => {
    const { gpio, press } = service({ button: -1 });
    await gpio.start();
    expect(formatReply(await press.run('', noConn))).toBe('Status: Error\nReason: No button configured.\n\n');
    expect(formatReply(await press.run('x', noConn))).toBe('Status: Error\nReason: No button named "x"; the buttons are: button.\n\n');
    expect(formatReply(await press.run('x y', noConn))).toBe('Status: Error\nReason: press takes at most one argument, a button name.\n\n');
    await gpio.stop();
  });

  it('LED and relay through the service; stop leaves the relay off and the process hooks gone', async () => {
    const { gpio, proc } = service({ relay_pulse_ms: 500 });
    await gpio.start();
    const sim = gpio.backend as SimBackend;
    gpio.setLed(true);
    expect(gpio.pulseRelay().status).toBe('started');
    expect(sim.state().outputs).toEqual({ 27: 1, 22: 1 });
    expect(proc.listenerCount('exit')).toBe(1);
    await gpio.stop();
    expect(sim.state().outputs).toEqual({ 27: 0, 22: 0 });
    expect(proc.listenerCount('exit')).toBe(0);
    expect(gpio.pulseRelay()).toEqual({ status: 'unavailable' });
  });
});
