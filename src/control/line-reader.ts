/**
 * Splits a control connection's bytes into command lines (SPEC section 3):
 * LF or CRLF, every line in order, a cap on line length so a client cannot
 * make us buffer without end.
 */

export const MAX_LINE_BYTES = 4096;

export type LineEvent = { kind: 'line'; line: string } | { kind: 'too-long'; bytes: number };

export class LineReader {
  private chunks: Buffer[] = [];
  private pending = 0;
  /** Bytes of an over-long line being skipped until its newline. */
  private skipping = 0;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** Bytes buffered without a newline yet. */
  get buffered(): number {
    return this.pending;
  }

  push(data: Buffer): LineEvent[] {
    const out: LineEvent[] = [];
    let start = 0;
    while (start < data.length) {
      const nl = data.indexOf(0x0a, start);
      const end = nl === -1 ? data.length : nl;
      const piece = data.subarray(start, end);
      if (this.skipping > 0) {
        this.skipping += piece.length;
      } else if (this.pending + piece.length > this.maxBytes) {
        this.skipping = this.pending + piece.length;
        this.chunks = [];
        this.pending = 0;
      } else if (piece.length > 0) {
        this.chunks.push(piece);
        this.pending += piece.length;
      }
      if (nl === -1) break;
      out.push(this.finishLine());
      start = nl + 1;
    }
    return out;
  }

  /** End of input: a last line without newline still counts (`printf version | socat`). */
  flush(): LineEvent[] {
    if (this.skipping === 0 && this.pending === 0) return [];
    return [this.finishLine()];
  }

  private finishLine(): LineEvent {
    if (this.skipping > 0) {
      const bytes = this.skipping;
      this.skipping = 0;
      return { kind: 'too-long', bytes };
    }
    let line = Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    this.pending = 0;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    return { kind: 'line', line };
  }
}
