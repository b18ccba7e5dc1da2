/**
 * The onoff backend's wiring, with a stand-in for onoff's Gpio class: there
 * is no GPIO on a build machine, and onoff only works on the real
 * /sys/class/gpio with epoll. What is tested is what this code decides:
 * numbering, directions, the order lines are opened in, error messages.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import type { Direction, Edge, Options } from 'onoff';
import type { Level } from '../../../src/gpio/backend.js';
import { GpioDoorHardware, type DoorHardwareConfig } from '../../../src/gpio/door-hardware.js';
import { GpioService } from '../../../src/gpio/gpio-service.js';
import { explainLineError, GpioAccessError } from '../../../src/gpio/gpio-errors.js';
import { openOnoffBackend, type OnoffGpio } from '../../../src/gpio/onoff-backend.js';
import { silentLogger } from '../../../src/log/logger.js';
import { fakeGuard } from '../../support/fake-process.js';
import { fakeSysfs } from '../../support/sysfs-tree.js';

interface Made {
  line: number;
  direction: Direction;
  edge: Edge | undefined;
  options: Options | undefined;
  gpio: FakeGpio;
}

class FakeGpio implements OnoffGpio {
  static accessible = true;
  static made: Made[] = [];
  static failWith: Error | undefined;
  value: Level = 1;
  writes: Level[] = [];
  watcher: ((err: Error | null | undefined, value: Level) => void) | undefined;
  unexported = false;

  constructor(line: number, direction: Direction, edge?: Edge, options?: Options) {
    if (FakeGpio.failWith) throw FakeGpio.failWith;
    if (direction === 'high') this.value = 1;
    if (direction === 'low' || direction === 'out') this.value = 0;
    FakeGpio.made.push({ line, direction, edge, options, gpio: this });
  }
  readSync(): Level {
    return this.value;
  }
  writeSync(value: Level): void {
    this.value = value;
    this.writes.push(value);
  }
  watch(cb: (err: Error | null | undefined, value: Level) => void): void {
    this.watcher = cb;
  }
  unwatchAll(): void {
    this.watcher = undefined;
  }
  unexport(): void {
    this.unexported = true;
  }
  /** What onoff does on an edge interrupt: read the value, call the watchers. */
  edgeTo(value: Level): void {
    this.value = value;
    this.watcher?.(null, value);
  }
}

const config: DoorHardwareConfig = {
  button: 17,
  button_active_low: true,
  debounce_ms: 50,
  led: 22,
};

/** The whole GPIO service on the onoff backend: the panel's relay on 27, the LED on 22, the button on 17. */
function service(relayActiveLow = true): GpioService {
  const gpio = configSchema.parse({ gpio: { backend: 'onoff', ...config, relay: 27, relay_active_low: relayActiveLow, relay_pulse_ms: 1000 } }).gpio;
  return new GpioService({ config: gpio, log: silentLogger, guard: fakeGuard().guard, onoff: { sysfsRoot: root, gpioClass: FakeGpio } });
}

let root: string;
beforeEach(() => {
  FakeGpio.accessible = true;
  FakeGpio.made = [];
  FakeGpio.failWith = undefined;
  root = fakeSysfs([{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  vi.useRealTimers();
});

describe('onoff backend wiring', () => {
  it('maps BCM to sysfs by the chip base; relay first, made an output at its off level in one step', async () => {
    const gpio = service();
    await gpio.start();
    expect(FakeGpio.made.map(({ line, direction, edge, options }) => ({ line, direction, edge, options }))).toEqual([
      { line: 539, direction: 'high', edge: 'none', options: { activeLow: false } },
      { line: 534, direction: 'low', edge: 'none', options: { activeLow: false } },
      { line: 529, direction: 'in', edge: 'both', options: { activeLow: false } },
    ]);
    gpio.close();
  });

  it('an active-high relay starts low; pulse writes on then off; close leaves it exported and off', async () => {
    vi.useFakeTimers();
    const gpio = service(false);
    await gpio.start();
    const relay = FakeGpio.made[0]!;
    expect(relay.direction).toBe('low');
    gpio.pulseRelay();
    expect(relay.gpio.value).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(relay.gpio.value).toBe(0);
    gpio.close();
    expect(relay.gpio.value).toBe(0);
    expect(relay.gpio.unexported).toBe(false);
    expect(FakeGpio.made[2]!.gpio.unexported).toBe(true);
  });

  it('edge interrupts go through the debouncer: a bouncing press is one press', async () => {
    vi.useFakeTimers();
    const backend = await openOnoffBackend({ sysfsRoot: root, gpioClass: FakeGpio });
    let presses = 0;
    const hw = new GpioDoorHardware({ config, backend, log: silentLogger, onPress: () => presses++ });
    const button = FakeGpio.made[1]!.gpio;
    for (const v of [0, 1, 0, 1, 0] as Level[]) {
      button.edgeTo(v);
      await vi.advanceTimersByTimeAsync(2);
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(presses).toBe(1);
    button.edgeTo(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(presses).toBe(1);
    hw.close();
  });

  it('press() works without driving the pin: it feeds the debouncer', async () => {
    vi.useFakeTimers();
    const backend = await openOnoffBackend({ sysfsRoot: root, gpioClass: FakeGpio });
    let presses = 0;
    const hw = new GpioDoorHardware({ config, backend, log: silentLogger, onPress: () => presses++ });
    const done = hw.press();
    await vi.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toEqual({ status: 'pressed' });
    expect(presses).toBe(1);
    expect(FakeGpio.made[1]!.gpio.writes).toEqual([]);
    hw.close();
  });

  it('GPIO not accessible: says which file is missing', async () => {
    FakeGpio.accessible = false;
    rmSync(join(root, 'export'));
    await expect(openOnoffBackend({ sysfsRoot: root, gpioClass: FakeGpio })).rejects.toThrow(
      new RegExp(`${join(root, 'export').replace(/[.]/g, '\\.')} does not exist.*gpio\\.backend = "sim"`),
    );
  });

  it('export failing with EBUSY names the line, its config key and likely owners', async () => {
    const backend = await openOnoffBackend({ sysfsRoot: root, gpioClass: FakeGpio, roles: { 27: 'relay' } });
    FakeGpio.failWith = Object.assign(new Error('EBUSY: resource busy or locked, write'), { code: 'EBUSY', path: '/sys/class/gpio/export' });
    expect(() => backend.openOutput(27, 0)).toThrow(GpioAccessError);
    expect(() => backend.openOutput(27, 0)).toThrow(/GPIO 27 \(\[gpio\] relay, sysfs gpio539\) is in use: writing \/sys\/class\/gpio\/export failed with EBUSY/);
  });
});

describe('GPIO error messages', () => {
  const ctx = { role: 'button', bcm: 17, sysfs: 529, root: '/sys/class/gpio' } as const;

  it('EACCES: which file, and add the user to group gpio', () => {
    const e = explainLineError(Object.assign(new Error('EACCES'), { code: 'EACCES', path: '/sys/class/gpio/gpio529/value' }), ctx);
    expect(e.message).toMatch(/^GPIO 17 \(\[gpio\] button, sysfs gpio529\): no permission to write \/sys\/class\/gpio\/gpio529\/value \(EACCES\)\. Add the user .* to group gpio/);
    expect(e.code).toBe('EACCES');
  });

  it('EINVAL: BCM numbers, not pin numbers', () => {
    const e = explainLineError(Object.assign(new Error('EINVAL'), { code: 'EINVAL', path: '/sys/class/gpio/export' }), ctx);
    expect(e.message).toMatch(/not a line this kernel knows.*BCM number.*not the physical pin number/);
  });

  it('ENOENT and anything else keep the original text', () => {
    expect(explainLineError(Object.assign(new Error('x'), { code: 'ENOENT', path: '/sys/class/gpio/gpio529/edge' }), ctx).message).toMatch(
      /gpio529\/edge does not exist/,
    );
    expect(explainLineError(new Error('odd'), ctx).message).toBe('GPIO 17 ([gpio] button, sysfs gpio529): odd');
  });
});
