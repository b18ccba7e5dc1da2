/**
 * "However the process ends during a pulse, the relay ends off", proved on
 * real processes: a child node runs the real GPIO service (the one the
 * daemon wires), starts a one-minute pulse, and is then stopped by SIGTERM,
 * SIGINT, process.exit, an uncaught exception or SIGKILL. Its output lines
 * are files, as sysfs value files are: the simulator's `levelDir`, and
 * onoff's own backend with a Gpio stand-in that writes a fake sysfs tree
 * (base 512, so BCM 27 is gpio539). The level left in the file after the
 * child is gone is what a relay would be left at.
 *
 * What runs is the code that runs on a Pi: service, relay, exit guard,
 * process hooks, and for onoff the backend's numbering and directions.
 * Only the last write differs (a file instead of /sys/class/gpio/gpio539/value);
 * both are synchronous writes, which is what makes them safe in 'exit'.
 *
 * With several relays (issue 15) the same holds for each: the last
 * describes pulse a door relay and a gate relay of opposite polarity at once.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const src = (p: string) => new URL(`../../../src/${p}`, import.meta.url).href;
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

const CHILD = `
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '${src('config/schema.ts')}';
import { GpioService } from '${src('gpio/gpio-service.ts')}';
import { consoleSink } from '${src('log/logger.ts')}';

const [mode, backend, dir, activeLow] = process.argv.slice(2);

/** onoff's Gpio, as far as the backend uses it, on files under the fake tree. */
class FileGpio {
  static accessible = true;
  constructor(line, direction) {
    this.dir = join(dir, 'gpio' + line);
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'direction'), direction === 'in' ? 'in' : 'out');
    if (direction !== 'in') this.writeSync(direction === 'high' ? 1 : 0);
  }
  writeSync(v) {
    writeFileSync(join(this.dir, 'value'), v + '\\n');
    appendFileSync(join(this.dir, 'history'), String(v));
  }
  readSync() { return Number(readFileSync(join(this.dir, 'value'), 'utf8')); }
  watch() {}
  unwatchAll() {}
  unexport() {}
}

const config = configSchema.parse({
  gpio: { backend, button: -1, led: -1, relay: 27, relay_active_low: activeLow === '1', relay_pulse_ms: 60000 },
}).gpio;
const log = consoleSink('info').logger('gpio');
// GATE=1: a second relay (issue 15), line 22, of the opposite polarity, pulsing beside the first.
const gate = process.env.GATE === '1';
const relay = (name, line, low) => ({ name, line, activeLow: low, pulseMs: 60000, openCodes: [] });
const panel = gate
  ? { relays: [relay('door', 27, activeLow === '1'), relay('gate', 22, activeLow !== '1')], exitButton: { line: -1, active_low: true }, doorContact: { line: -1, open_level: 'high' } }
  : undefined;
const gpio = new GpioService({
  config,
  log,
  sim: { levelDir: dir },
  onoff: { sysfsRoot: dir, gpioClass: FileGpio },
  panel,
});

if (mode === 'daemon-like') {
  // As runDaemon: its own SIGTERM handler, a graceful stop that takes a while, exit 0.
  process.on('SIGTERM', () => {
    console.log('GRACEFUL-STOP-BEGINS relay file: ' + readFileSync(process.env.RELAY_FILE, 'utf8').trim());
    setTimeout(() => process.exit(0), 300);
  });
}
await gpio.start();
console.log('STARTED relay file: ' + readFileSync(process.env.RELAY_FILE, 'utf8').trim());
if (mode === 'start-only') process.exit(0);
const r = gpio.pulseRelay();
if (gate) console.log('GATE ' + gpio.pulseRelay('gate').status);
console.log('PULSING ' + r.status);
if (mode === 'exit') setTimeout(() => process.exit(0), 100);
if (mode === 'crash') setTimeout(() => { throw new Error('simulated bug during a pulse'); }, 100);
setInterval(() => {}, 1000);
`;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

let work: string;
let childFile: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'doorstation-relay-'));
  childFile = join(work, 'child.mts');
  writeFileSync(childFile, CHILD);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fake sysfs tree for onoff (chip at base 512), or an empty dir for the simulator's levelDir. */
function newDir(backend: string, name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  if (backend === 'onoff') {
    mkdirSync(join(dir, 'gpiochip512'));
    writeFileSync(join(dir, 'export'), '');
    writeFileSync(join(dir, 'gpiochip512', 'base'), '512\n');
    writeFileSync(join(dir, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
    writeFileSync(join(dir, 'gpiochip512', 'ngpio'), '58\n');
  }
  return dir;
}

function relayFile(backend: string, dir: string): string {
  return join(dir, backend === 'onoff' ? 'gpio539' : 'gpio27', 'value');
}

const level = (file: string) => readFileSync(file, 'utf8').trim();

/** Runs the child; `act` is called once it printed `waitFor`, and may signal it. */
function runChild(
  args: { mode: string; backend: string; dir: string; activeLow: boolean; gate?: boolean },
  waitFor: string,
  act: (pid: number) => void,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', TSX, childFile, args.mode, args.backend, args.dir, args.activeLow ? '1' : '0'], {
      cwd: REPO,
      env: { ...process.env, JOURNAL_STREAM: '', RELAY_FILE: relayFile(args.backend, args.dir), GATE: args.gate ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let acted = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!acted && out.includes(waitFor)) {
        acted = true;
        act(proc.pid!);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    const killer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`child did not finish:\n${out}`));
    }, 20_000);
    proc.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, out });
    });
  });
}

// onoff only active-low, the case where off is 1 and a wrong start-up order would pulse the relay.
const VARIANTS = [
  ['sim', false],
  ['sim', true],
  ['onoff', true],
] as const;

for (const [backend, activeLow] of VARIANTS) {
  {
    const ON = activeLow ? '0' : '1';
    const OFF = activeLow ? '1' : '0';
    let n = 0;
    const dirFor = () => newDir(backend, `${backend}-${activeLow ? 'al' : 'ah'}-${n++}`);

    describe(`relay safety, ${backend} backend, relay active-${activeLow ? 'low' : 'high'}`, () => {
      /** Starts a pulse, checks the file shows it on, then does `act`. */
      const duringPulse = (mode: string, act: (pid: number, file: string) => void) => {
        const dir = dirFor();
        const file = relayFile(backend, dir);
        return runChild({ mode, backend, dir, activeLow }, 'PULSING', (pid) => {
          expect(level(file)).toBe(ON);
          act(pid, file);
        }).then((o) => ({ ...o, file, dir }));
      };

      it.each(['SIGTERM', 'SIGINT'] as const)('%s with nobody else handling it: off, and the process still dies of the signal', async (sig) => {
        const o = await duringPulse('plain', (pid) => process.kill(pid, sig));
        expect(o.out).toContain('PULSING started');
        expect(o.signal).toBe(sig);
        expect(level(o.file)).toBe(OFF);
      });

      it('SIGTERM in a daemon with its own graceful stop: off at once, before the stop begins; exit 0', async () => {
        const o = await duringPulse('daemon-like', (pid) => process.kill(pid, 'SIGTERM'));
        expect(o.out).toContain(`GRACEFUL-STOP-BEGINS relay file: ${OFF}`);
        expect(o.code).toBe(0);
        expect(level(o.file)).toBe(OFF);
      });

      it('process.exit() during a pulse: off (the exit hook)', async () => {
        const o = await duringPulse('exit', () => {});
        expect(o.code).toBe(0);
        expect(level(o.file)).toBe(OFF);
        expect(o.out).toMatch(/relay forced off during a pulse \((exit)\)/);
      });

      it('an uncaught exception during a pulse: off, exit code 1', async () => {
        const o = await duringPulse('crash', () => {});
        expect(o.code).toBe(1);
        expect(o.out).toContain('simulated bug during a pulse');
        expect(level(o.file)).toBe(OFF);
      });

      it('SIGKILL leaves the line on (nothing can run), and the next start drives it off first', async () => {
        const o = await duringPulse('plain', (pid) => process.kill(pid, 'SIGKILL'));
        expect(o.signal).toBe('SIGKILL');
        expect(level(o.file)).toBe(ON);
        const restart = await runChild({ mode: 'start-only', backend, dir: o.dir, activeLow }, 'STARTED', () => {});
        expect(restart.code).toBe(0);
        expect(restart.out).toContain(`STARTED relay file: ${OFF}`);
        expect(level(o.file)).toBe(OFF);
        if (backend === 'onoff') {
          // First run: opened off, pulsed on, killed. Restart: off as it became an output (and again at exit).
          expect(readFileSync(join(o.dir, 'gpio539', 'history'), 'utf8')).toBe(`${OFF}${ON}${OFF}${OFF}`);
        }
      });
    });
  }
}

// Issue 15: two relays of opposite polarity pulsing at once; however the process ends, both end off.
for (const backend of ['sim', 'onoff'] as const) {
  describe(`relay safety with two relays (door active-high, gate active-low), ${backend} backend`, () => {
    let n = 0;
    const gateFile = (dir: string) => join(dir, backend === 'onoff' ? 'gpio534' : 'gpio22', 'value');
    const duringPulses = (mode: string, act: (pid: number) => void) => {
      const dir = newDir(backend, `two-${backend}-${n++}`);
      return runChild({ mode, backend, dir, activeLow: false, gate: true }, 'PULSING', (pid) => {
        expect([level(relayFile(backend, dir)), level(gateFile(dir))]).toEqual(['1', '0']);
        act(pid);
      }).then((o) => ({ ...o, dir }));
    };
    const bothOff = (dir: string) => expect([level(relayFile(backend, dir)), level(gateFile(dir))]).toEqual(['0', '1']);

    it.each(['SIGTERM', 'SIGINT'] as const)('%s: both off, and the process dies of the signal', async (sig) => {
      const o = await duringPulses('plain', (pid) => process.kill(pid, sig));
      expect(o.out).toContain('GATE started');
      expect(o.signal).toBe(sig);
      bothOff(o.dir);
    });

    it('process.exit() and an uncaught exception: both off', async () => {
      const exited = await duringPulses('exit', () => {});
      expect(exited.code).toBe(0);
      bothOff(exited.dir);
      const crashed = await duringPulses('crash', () => {});
      expect(crashed.code).toBe(1);
      bothOff(crashed.dir);
    });

    it('SIGKILL leaves both on; the next start drives both off first', async () => {
      const o = await duringPulses('plain', (pid) => process.kill(pid, 'SIGKILL'));
      expect([level(relayFile(backend, o.dir)), level(gateFile(o.dir))]).toEqual(['1', '0']);
      const restart = await runChild({ mode: 'start-only', backend, dir: o.dir, activeLow: false, gate: true }, 'STARTED', () => {});
      expect(restart.code).toBe(0);
      bothOff(o.dir);
    });
  });
}
