/**
 * What every fuzzer here shares: a seeded PRNG (mulberry32, so a failing
 * case reproduces from the printed seed and index), byte mutations that
 * keep most of a message intact (so the parser gets deep before it trips),
 * and a one-line summary each test prints for RELIABILITY.md.
 */

export type Rng = () => number;

export function prng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (rnd: Rng, n: number): number => Math.floor(rnd() * n);
export const pick = <T>(rnd: Rng, items: readonly T[]): T => items[int(rnd, items.length)] as T;

/** Bytes that mean something to SIP, SDP or the control protocol's framing. */
const SPECIAL = Buffer.from('\r\n\t ;,:"<>@%=?[]\\/\x00\x7f\xff0z');

/** 1-4 edits: overwrite, insert, delete a run, truncate, or duplicate a run. */
export function mutate(src: Buffer, rnd: Rng): Buffer {
  let b = Buffer.from(src);
  const n = 1 + int(rnd, 4);
  for (let k = 0; k < n; k++) {
    const at = int(rnd, b.length + 1);
    const op = rnd();
    const byte = rnd() < 0.7 ? (SPECIAL[int(rnd, SPECIAL.length)] as number) : int(rnd, 256);
    if (op < 0.3) b[Math.min(at, b.length - 1)] = byte;
    else if (op < 0.55) b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    else if (op < 0.75) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 20))]);
    else if (op < 0.9) b = b.subarray(0, at);
    else {
      const len = int(rnd, 40);
      b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
    }
  }
  return b;
}

/** Printable form of a failing input: latin1 with control bytes escaped, cut to `max` characters. */
export function show(input: Buffer | string, max = 2000): string {
  const s = typeof input === 'string' ? input : input.toString('latin1');
  // eslint-disable-next-line no-control-regex -- escaping control bytes is the point
  const esc = s.replace(/[\x00-\x08\x0b-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return esc.length > max ? `${esc.slice(0, max)}... (${s.length} bytes)` : esc;
}

/** The error to throw for case `i` of seed `seed`: everything needed to reproduce it. */
export function fuzzFailure(what: string, seed: number, i: number, input: Buffer | string, cause: unknown): Error {
  const why = cause instanceof Error ? `${cause.name}: ${cause.message}\n${cause.stack ?? ''}` : String(cause);
  return new Error(`${what}: seed ${seed}, case ${i} failed: ${why}\ninput: ${show(input)}`);
}

/** One line for the log of a run: what was tried, how fast, what held. */
export function report(what: string, seed: number, cases: number, ms: number, held: string): void {
  const rate = ms > 0 ? Math.round((cases * 1000) / ms) : cases;
  console.log(`[fuzz] ${what}: seed ${seed}, ${cases} cases in ${ms} ms (${rate}/s); held: ${held}`);
}
