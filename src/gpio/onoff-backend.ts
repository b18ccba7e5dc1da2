/**
 * The real backend (`gpio.backend = "onoff"`): sysfs GPIO through onoff,
 * whose epoll addon delivers edge interrupts. onoff is loaded only here and
 * only when asked for, so the simulator runs where its native addon is
 * missing. Its own debounce is not used: door-hardware debounces both
 * backends the same way.
 */
import type { Direction, Edge, Options } from 'onoff';
import { silentLogger, type Logger } from '../log/logger.js';
import type { GpioBackend, InputLine, Level, OutputLine } from './backend.js';
import { explainInaccessible, explainLineError, type LineRole } from './gpio-errors.js';
import { lineMap, SYSFS_GPIO_ROOT, type LineMap } from './sysfs-base.js';

/** The part of onoff's Gpio used here; tests stand in for it where there is no GPIO. */
export interface OnoffGpio {
  readSync(): Level;
  writeSync(value: Level): void;
  watch(callback: (err: Error | null | undefined, value: Level) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

export interface OnoffGpioClass {
  new (line: number, direction: Direction, edge?: Edge, options?: Options): OnoffGpio;
  readonly accessible: boolean;
}

export interface OnoffBackendOptions {
  /**
   * Where the chips' `base` and `label` are read. onoff itself always uses
   * /sys/class/gpio; this is for tests of the numbering on a fake tree.
   */
  sysfsRoot?: string;
  gpioClass?: OnoffGpioClass;
  log?: Logger;
  /** Which config key each line comes from, for error messages. */
  roles?: Readonly<Record<number, LineRole>>;
}

export class OnoffBackend implements GpioBackend {
  readonly kind = 'onoff';
  private readonly log: Logger;
  private readonly root: string;

  constructor(
    private readonly Gpio: OnoffGpioClass,
    private readonly lines: LineMap,
    private readonly opts: OnoffBackendOptions,
  ) {
    this.log = opts.log ?? silentLogger;
    this.root = opts.sysfsRoot ?? SYSFS_GPIO_ROOT;
  }

  openInput(line: number, onChange: (level: Level) => void): InputLine {
    const gpio = this.open(line, 'in', 'both');
    gpio.watch((err, value) => {
      if (err) this.log.warn(`reading GPIO ${line}: ${err.message}`);
      else onChange(value);
    });
    return {
      read: () => gpio.readSync(),
      close: () => {
        gpio.unwatchAll();
        gpio.unexport();
      },
    };
  }

  openOutput(line: number, initial: Level): OutputLine {
    // "high"/"low" make it an output at that level in one write; "out" would drive 0 first.
    const gpio = this.open(line, initial === 1 ? 'high' : 'low', 'none');
    return {
      write: (level) => gpio.writeSync(level),
      // Not unexported: sysfs keeps driving the last (off) level after we exit,
      // where an unexported pin could float and let an active-low relay board pull in.
      close: () => {},
    };
  }

  close(): void {}

  private open(bcm: number, direction: Direction, edge: Edge): OnoffGpio {
    const role = this.opts.roles?.[bcm];
    let sysfs = bcm;
    try {
      sysfs = this.lines.toSysfs(bcm);
      // activeLow false, always: a line left inverted by another program must not invert ours.
      const gpio = new this.Gpio(sysfs, direction, edge, { activeLow: false });
      this.log.debug(`GPIO ${bcm} (${role}) is sysfs gpio${sysfs}, ${direction}`);
      return gpio;
    } catch (e) {
      throw explainLineError(e, { role, bcm, sysfs, root: this.root });
    }
  }
}

/** Checks access and finds the numbering before any line is touched, so a failure names its cause. */
export async function openOnoffBackend(opts: OnoffBackendOptions = {}): Promise<OnoffBackend> {
  const root = opts.sysfsRoot ?? SYSFS_GPIO_ROOT;
  const log = opts.log ?? silentLogger;
  const Gpio: OnoffGpioClass = opts.gpioClass ?? (await import('onoff')).Gpio;
  if (!Gpio.accessible) throw explainInaccessible(root);
  const lines = lineMap(root);
  if (lines.chip) log.info(`40-pin header is ${lines.chip.label} (${lines.chip.name}), base ${lines.base}`);
  else log.warn(`no Raspberry Pi GPIO chip under ${root}: [gpio] line numbers are used as sysfs numbers`);
  return new OnoffBackend(Gpio, lines, { ...opts, sysfsRoot: root });
}
