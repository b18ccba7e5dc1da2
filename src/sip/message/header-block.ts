/**
 * Finding and splitting the header block of a message (RFC 3261 §7):
 * start-line, header lines with folding undone (§7.3.1), empty line.
 * Shared by the datagram parser and the stream framer.
 */
import { isToken, isWsp, trimLws, trimLwsEnd } from './grammar.js';

const LF = 0x0a;
const CR = 0x0d;

/** Skips CRs and LFs before a start-line (§7.5 says to ignore CRLFs there). */
export function skipLeadingCrlf(buf: Buffer, pos: number): number {
  while (pos < buf.length && (buf[pos] === CR || buf[pos] === LF)) pos++;
  return pos;
}

export interface HeaderEnd {
  /** Offset just past the LF ending the last header line. */
  end: number;
  /** Offset of the first body byte. */
  bodyStart: number;
}

/**
 * Locates the empty line. Bare LF line ends are accepted as well as CRLF:
 * RFC 3261 asks for CRLF, but rejecting a lone LF gains nothing.
 * `from` lets the framer resume a scan instead of starting over.
 */
export function findHeaderEnd(buf: Buffer, start: number, from = start): HeaderEnd | undefined {
  for (let i = buf.indexOf(LF, Math.max(from, start)); i >= 0; i = buf.indexOf(LF, i + 1)) {
    if (buf[i + 1] === LF) return { end: i + 1, bodyStart: i + 2 };
    if (buf[i + 1] === CR && buf[i + 2] === LF) return { end: i + 1, bodyStart: i + 3 };
  }
  return undefined;
}

export interface HeaderLines {
  startLine: string;
  fields: Array<[string, string]>;
  /** The first bad header line, if any; the good ones are still in `fields`. */
  error?: string | undefined;
}

/**
 * Splits the text of a header block into the start-line and unfolded
 * fields. Linear in the text: each line is scanned a bounded number of
 * times and folded pieces are joined once, at the end (issue 12: a value
 * folded over thousands of lines must not be rebuilt at every fold).
 */
export function readHeaderLines(text: string): HeaderLines {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === '') lines.pop();
  const startLine = lines[0] ?? '';
  const names: string[] = [];
  const pieces: string[][] = [];
  let error: string | undefined;
  const fail = (why: string): void => {
    error ??= why;
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.includes('\r')) {
      fail('Bad header line');
      continue;
    }
    if (isWsp(line[0])) {
      // Folding: CRLF followed by whitespace is one SP (§7.3.1).
      const last = pieces[pieces.length - 1];
      if (!last) fail('Bad header line');
      else last.push(trimLws(line));
      continue;
    }
    const colon = line.indexOf(':');
    // HCOLON = *( SP / HTAB ) ":" SWS (§25.1)
    const name = colon > 0 ? trimLwsEnd(line.slice(0, colon)) : '';
    if (!isToken(name)) {
      fail('Bad header line');
      continue;
    }
    names.push(name);
    pieces.push([trimLws(line.slice(colon + 1))]);
  }
  const fields = names.map((name, i): [string, string] => [name, (pieces[i] as string[]).filter((p) => p !== '').join(' ')]);
  return { startLine, fields, error };
}

/** The Content-Length values among unfolded fields, compact form included. */
export function contentLengthValues(fields: ReadonlyArray<readonly [string, string]>): string[] {
  return fields.filter(([n]) => n.length <= 14 && /^(?:content-length|l)$/i.test(n)).map(([, v]) => v);
}
