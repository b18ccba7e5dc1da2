/**
 * The one kind of timed assertion the tests allow (issue 12): a parser fed
 * a worst-case input of 10 kB and of 100 kB must take about ten times as
 * long, not a hundred. Each size is run until it has used a few
 * milliseconds, and the fastest of several rounds counts, so a noisy
 * shared machine inflates neither side much; a measurement above the
 * target is taken again (up to five times). A quadratic parser shows a
 * ratio near 100 every time.
 */
import { performance } from 'node:perf_hooks';

/**
 * The bound every linear-time test asserts: ten times the input should take
 * about ten times as long; 15 leaves room for the larger input falling out
 * of a CPU cache and for a loaded machine, while anything quadratic (~100)
 * stays far above it.
 */
export const LINEAR_RATIO_LIMIT = 15;

export interface GrowthOptions {
  small?: number;
  large?: number;
  rounds?: number;
  /** Stop as soon as a measurement is below this; otherwise measure `attempts` times and keep the best. */
  target?: number;
  attempts?: number;
}

/** Fastest time of one call of `run(input)`, in ms, over `rounds` rounds of enough calls to last ~20 ms. */
function fastest<T>(input: T, run: (input: T) => unknown, rounds: number): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      run(input);
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < 20 && calls < 10_000);
    best = Math.min(best, elapsed / calls);
  }
  return best;
}

/**
 * How much longer the large input takes than the small one (about
 * large/small for a linear parser). `build(n)` makes an input of about n
 * bytes; `run` parses it and may throw (a refusal is a result too).
 */
export function growth<T>(build: (bytes: number) => T, run: (input: T) => unknown, opts: GrowthOptions = {}): number {
  const { small = 10_000, large = 100_000, rounds = 5, target = LINEAR_RATIO_LIMIT, attempts = 5 } = opts;
  const quiet = (input: T): void => {
    try {
      run(input);
    } catch {
      // refused: it still had to be read
    }
  };
  const a = build(small);
  const b = build(large);
  // Warm-up: let the JIT settle on both sizes before anything counts.
  fastest(a, quiet, 1);
  fastest(b, quiet, 1);
  // Rounds alternate between the sizes, so a busy spell on the machine hits both.
  let best = Infinity;
  for (let attempt = 0; attempt < attempts && best >= target; attempt++) {
    let bestSmall = Infinity;
    let bestLarge = Infinity;
    for (let r = 0; r < rounds; r++) {
      bestSmall = Math.min(bestSmall, fastest(a, quiet, 1));
      bestLarge = Math.min(bestLarge, fastest(b, quiet, 1));
    }
    best = Math.min(best, bestLarge / bestSmall);
  }
  return best;
}

/** `unit` repeated to about `bytes` bytes. */
export function fill(unit: string, bytes: number): string {
  return unit.repeat(Math.max(1, Math.ceil(bytes / unit.length)));
}
