/**
 * Where the 40-pin header's lines sit in sysfs numbering. Kernels up to 6.5
 * numbered them from 0, so BCM 17 was gpio17; since 6.6 the chip gets a
 * dynamic base (512 on a Pi 4, 571 on a Pi 5), so BCM 17 is gpio529 there.
 * The config speaks BCM; this finds the base from the chip's label.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpioAccessError } from './gpio-errors.js';

/** Labels of the chips that drive the 40-pin header (Pi 1-3 and Zero, Pi 4, Pi 5). */
export const HEADER_CHIP_LABELS: readonly string[] = ['pinctrl-bcm2835', 'pinctrl-bcm2711', 'pinctrl-rp1'];

export const SYSFS_GPIO_ROOT = '/sys/class/gpio';

export interface GpioChip {
  /** Directory name, e.g. `gpiochip512`. */
  readonly name: string;
  readonly label: string;
  readonly base: number;
  readonly ngpio: number;
}

/** Every chip under `root`; throws a GpioAccessError when there is no sysfs GPIO at all. */
export function listChips(root: string = SYSFS_GPIO_ROOT): GpioChip[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GpioAccessError(
      `GPIO is not available: cannot read ${root} (${code ?? String(e)}). The kernel needs sysfs GPIO ` +
        '(CONFIG_GPIO_SYSFS). Without GPIO hardware, set gpio.backend = "sim".',
      code,
    );
  }
  const chips: GpioChip[] = [];
  for (const name of entries.filter((e) => /^gpiochip\d+$/.test(e)).sort()) {
    const read = (file: string) => readFileSync(join(root, name, file), 'utf8').trim();
    try {
      chips.push({ name, label: read('label'), base: Number(read('base')), ngpio: Number(read('ngpio')) });
    } catch {
      // A chip whose files cannot be read cannot be the one we use; the others may still be.
    }
  }
  return chips;
}

/** The header's chip, or undefined on boards that are not a Raspberry Pi. */
export function findHeaderChip(root: string = SYSFS_GPIO_ROOT): GpioChip | undefined {
  return listChips(root).find((c) => HEADER_CHIP_LABELS.includes(c.label) && Number.isInteger(c.base));
}

export interface LineMap {
  /** Added to a BCM number to get the sysfs number. */
  readonly base: number;
  /** The chip found, for the log; undefined when numbers are used as they are. */
  readonly chip: GpioChip | undefined;
  toSysfs(bcm: number): number;
}

/**
 * On a Pi: base of the header chip, and a BCM number beyond the chip is an
 * error. Elsewhere: base 0, so the config's numbers are the board's sysfs
 * numbers (the caller logs that).
 */
export function lineMap(root: string = SYSFS_GPIO_ROOT): LineMap {
  const chip = findHeaderChip(root);
  const base = chip?.base ?? 0;
  return {
    base,
    chip,
    toSysfs(bcm) {
      if (chip && (bcm < 0 || bcm >= chip.ngpio)) {
        throw new GpioAccessError(
          `GPIO ${bcm} does not exist on ${chip.label} (${join(root, chip.name)}: lines 0-${chip.ngpio - 1}). ` +
            'Use BCM numbers (GPIO 2-27 on the 40-pin header), not physical pin numbers.',
        );
      }
      return base + bcm;
    },
  };
}
