/**
 * What a log line must never show, whatever the level (issue 12 row 18):
 * SDES keys (`a=crypto:… inline:KEY`, however many spaces), digest
 * responses (`response=` in Authorization and Proxy-Authorization, RFC
 * 3261 §22.4: an offline guess of the password starts from it), and DTMF
 * relay digits (`Signal=`, the door code one INFO at a time). Line by line
 * with indexOf and one pass over each line: linear in the text, with no
 * regular expression an attacker's input could make backtrack.
 */

const HIDDEN = '(hidden)';

export function redactLine(line: string): string {
  const lower = line.toLowerCase();
  const trimmed = lower.trimStart();
  if (trimmed.startsWith('a=crypto:')) return hideAfter(line, lower, 'inline:', (c) => c === '|');
  if (trimmed.startsWith('authorization:') || trimmed.startsWith('proxy-authorization:')) return hideAfter(line, lower, 'response=', (c) => c === ',');
  if (trimmed.startsWith('signal')) {
    const eq = line.indexOf('=');
    if (eq >= 0 && lower.slice(0, eq).trim() === 'signal') return `${line.slice(0, eq + 1)}${HIDDEN}`;
  }
  return line;
}

/** Every value after `marker` (a quoted string, or a token up to whitespace or `stop`) becomes (hidden). */
function hideAfter(line: string, lower: string, marker: string, stop: (c: string) => boolean): string {
  const out: string[] = [];
  let from = 0;
  for (let at = lower.indexOf(marker); at >= 0; at = lower.indexOf(marker, from)) {
    let end = at + marker.length;
    out.push(line.slice(from, end), HIDDEN);
    while (end < line.length && line[end] === ' ') end++;
    if (line[end] === '"') {
      const close = line.indexOf('"', end + 1);
      end = close < 0 ? line.length : close + 1;
    } else {
      while (end < line.length && line[end] !== ' ' && line[end] !== '\t' && line[end] !== '\r' && !stop(line[end]!)) end++;
    }
    from = end;
  }
  out.push(line.slice(from));
  return out.join('');
}

/** Each line of a (possibly multi-line) text. */
export function redact(text: string): string {
  if (!mayHold(text)) return text;
  return text.split('\n').map(redactLine).join('\n');
}

/** A quick no for the lines that hold none of it (nearly all). */
function mayHold(text: string): boolean {
  const lower = text.toLowerCase();
  return lower.includes('a=crypto') || lower.includes('authorization') || lower.includes('signal');
}
