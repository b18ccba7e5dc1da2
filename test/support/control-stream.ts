/**
 * Reading a control connection's whole output as linphone-daemon clients
 * do: a sequence of replies (`Status: Ok|Error` ...), each ending with an
 * empty line, with events pushed in between (`events on`). Used by the
 * control fuzzer to check every byte the daemon sent is well framed.
 */
import { connect } from 'node:net';

export interface Framed {
  replies: string[];
  events: string[];
  /** Pieces that are neither: each one is a framing bug. */
  malformed: string[];
}

// eslint-disable-next-line no-control-regex -- the point is to find control bytes in replies
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;
const ERROR = /^Status: Error\nReason: [^\n]+\n\n$/;
const OK = /^Status: Ok\n\n(?:(?:[^\n]*\n)*\n)?$/;
const EVENT = /^Event-type: \S+\n\n(?:[^\n]+\n)*\n$/;

/**
 * Splits where a reply or a pushed event starts: at the start of the
 * stream or after an empty line. (pop-event's own `Event-type:` follows
 * `Size: N` on the next line, not an empty one, so it stays inside its reply.)
 */
export function frame(text: string): Framed {
  const out: Framed = { replies: [], events: [], malformed: [] };
  for (const piece of text.split(/(?<=\n\n)(?=Status: |Event-type: )/)) {
    if (piece === '') continue;
    if (CONTROL.test(piece)) out.malformed.push(piece);
    else if (piece.startsWith('Status: ') && (ERROR.test(piece) || OK.test(piece))) out.replies.push(piece);
    else if (EVENT.test(piece)) out.events.push(piece);
    else out.malformed.push(piece);
  }
  return out;
}

/**
 * Writes `chunks` with `gapMs` between them (partial lines arrive apart),
 * half-closes, and collects everything until the daemon closes or
 * `quietMs` pass with nothing new.
 */
export function session(path: string, chunks: Buffer[], opts: { gapMs?: number; quietMs?: number; halfClose?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(got).toString('utf8'));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, opts.quietMs ?? 3000);
    };
    s.on('connect', async () => {
      for (const c of chunks) {
        if (s.destroyed) return;
        s.write(c);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      if (opts.halfClose ?? true) s.end();
      arm();
    });
    s.on('data', (d: Buffer) => {
      got.push(d);
      arm();
    });
    s.on('end', finish);
    s.on('error', (e) => (got.length ? finish() : reject(e)));
  });
}
