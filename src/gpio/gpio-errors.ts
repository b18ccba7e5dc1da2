/**
 * GPIO failures explained for someone wiring a door, not debugging Node:
 * which file, what the kernel said, and what to do about it.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../log/error-message.js';

export class GpioAccessError extends Error {
  override readonly name = 'GpioAccessError';
  constructor(
    message: string,
    /** errno name when one caused it (EACCES, EBUSY, ENOENT, EINVAL). */
    readonly code?: string,
  ) {
    super(message);
  }
}

export type LineRole = 'button' | 'relay' | 'led' | 'exit-button' | 'door-contact';

export interface LineContext {
  /** Undefined when the caller did not say which key the line came from. */
  role: LineRole | undefined;
  /** As in the config. */
  bcm: number;
  /** bcm + the chip's base: what sysfs calls it. */
  sysfs: number;
  /** `/sys/class/gpio` or a test tree. */
  root: string;
}

const NO_SYSFS = 'Without GPIO hardware, set gpio.backend = "sim".';
const ADD_TO_GROUP =
  'Add the user that runs doorstation to group gpio ("sudo usermod -aG gpio USER", then log in again; ' +
  'for the systemd service, SupplementaryGroups=gpio), and check that /sys/class/gpio belongs to group gpio ' +
  '(Raspberry Pi OS sets this with a udev rule).';

/** Why `Gpio.accessible` said no: the export file is missing, or not writable. */
export function explainInaccessible(root: string): GpioAccessError {
  const exportFile = join(root, 'export');
  if (!existsSync(exportFile)) {
    return new GpioAccessError(
      `GPIO is not available: ${exportFile} does not exist. The kernel needs sysfs GPIO (CONFIG_GPIO_SYSFS; ` +
        `Raspberry Pi OS has it); in a container, mount /sys/class/gpio. ${NO_SYSFS}`,
      'ENOENT',
    );
  }
  try {
    accessSync(exportFile, constants.W_OK);
  } catch {
    return new GpioAccessError(`No permission to write ${exportFile} (EACCES). ${ADD_TO_GROUP}`, 'EACCES');
  }
  return new GpioAccessError(`GPIO is not usable: ${exportFile} cannot be opened for writing. ${NO_SYSFS}`);
}

/** Wraps an error thrown while exporting or configuring one line. */
export function explainLineError(e: unknown, ctx: LineContext): GpioAccessError {
  if (e instanceof GpioAccessError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const file = typeof err?.path === 'string' ? err.path : join(ctx.root, 'export');
  const key = ctx.role ? `[gpio] ${ctx.role}` : '[gpio]';
  const details = [ctx.role ? key : '', ctx.sysfs !== ctx.bcm ? `sysfs gpio${ctx.sysfs}` : ''].filter(Boolean).join(', ');
  const what = `GPIO ${ctx.bcm}${details ? ` (${details})` : ''}`;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new GpioAccessError(`${what}: no permission to write ${file} (${code}). ${ADD_TO_GROUP}`, code);
    case 'EBUSY':
      return new GpioAccessError(
        `${what} is in use: writing ${file} failed with EBUSY. A driver has claimed it (a dtoverlay such as ` +
          'w1-gpio or gpio-key, or its I2C/SPI/UART function), or another program holds it (gpiomon, gpioset, ' +
          `pigpiod). Free it, or choose another line in ${key}.`,
        code,
      );
    case 'EINVAL':
      return new GpioAccessError(
        `${what} is not a line this kernel knows: writing ${ctx.sysfs} to ${file} failed with EINVAL. ` +
          `${key} takes a BCM number (GPIO 2-27 on the 40-pin header, not the physical pin number).`,
        code,
      );
    case 'ENOENT':
      return new GpioAccessError(`${what}: ${file} does not exist (ENOENT). ${NO_SYSFS}`, code);
    default:
      return new GpioAccessError(`${what}: ${errorMessage(err)}`, code);
  }
}
