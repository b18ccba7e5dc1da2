import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GpioAccessError } from '../../../src/gpio/gpio-errors.js';
import { findHeaderChip, lineMap, listChips } from '../../../src/gpio/sysfs-base.js';
import { fakeSysfs } from '../../support/sysfs-tree.js';

const roots: string[] = [];
const tree = (...args: Parameters<typeof fakeSysfs>) => {
  const r = fakeSysfs(...args);
  roots.push(r);
  return r;
};
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('sysfs numbering of the 40-pin header', () => {
  it('Pi 4 on kernel 6.6+: pinctrl-bcm2711 at base 512, beside the firmware expander', () => {
    const root = tree([
      { base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
      { base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
    ]);
    expect(findHeaderChip(root)).toEqual({ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 });
    expect(lineMap(root).toSysfs(17)).toBe(529);
  });

  it('Pi 5: pinctrl-rp1 at 571, not the SoC chips before it', () => {
    const root = tree([
      { base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
      { base: 544, label: 'gpio-brcmstb@107d508520', ngpio: 4 },
      { base: 571, label: 'pinctrl-rp1', ngpio: 54 },
    ]);
    expect(lineMap(root).toSysfs(27)).toBe(598);
  });

  it('older kernels and Pi 1-3: pinctrl-bcm2835 at base 0', () => {
    const root = tree([{ base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }]);
    const m = lineMap(root);
    expect(m.base).toBe(0);
    expect(m.toSysfs(17)).toBe(17);
  });

  it('not a Raspberry Pi: numbers are taken as sysfs numbers', () => {
    const root = tree([{ base: 32, label: 'sunxi-pinctrl', ngpio: 224 }]);
    const m = lineMap(root);
    expect(m.chip).toBeUndefined();
    expect(m.toSysfs(100)).toBe(100);
    expect(listChips(root).map((c) => c.label)).toEqual(['sunxi-pinctrl']);
  });

  it('a BCM number past the chip is an error that names the chip and its range', () => {
    const root = tree([{ base: 512, label: 'pinctrl-bcm2711', ngpio: 58 }]);
    expect(() => lineMap(root).toSysfs(60)).toThrow(/GPIO 60 does not exist on pinctrl-bcm2711 .*gpiochip512: lines 0-57/);
  });

  it('no sysfs GPIO at all: a GpioAccessError that says what to do', () => {
    const missing = join(tree([]), 'nope');
    let err: unknown;
    try {
      lineMap(missing);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GpioAccessError);
    expect((err as GpioAccessError).code).toBe('ENOENT');
    expect((err as Error).message).toMatch(/cannot read .*nope.*gpio\.backend = "sim"/);
  });
});
