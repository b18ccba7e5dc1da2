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
const SIGNAL = /^\s*signal\s*=/i;

export function redactLine(line: string): string {
  const head = line.trimStart().slice(0, 24).toLowerCase();
  if (head.startsWith('a=crypto:')) return hideAfter(line, line.toLowerCase(), 'inline:', /[\s|]/g);
  if (head.startsWith('authorization:') || head.startsWith('proxy-authorization:')) return hideAfter(line, line.toLowerCase(), 'response=', /[\s,]/g);
  if (head.startsWith('signal')) {
    // Anchored, and \s never matches the letters around it: one pass.
    const m = SIGNAL.exec(line);
    if (m) return `${m[0]}${HIDDEN}`;
  }
  return line;
}

/** Every value after `marker` (a quoted string, or a token up to the first `tokenEnd` character) becomes (hidden). */
function hideAfter(line: string, lower: string, marker: string, tokenEnd: RegExp): string {
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
      // One native scan from here (a single character class: nothing to backtrack).
      tokenEnd.lastIndex = end;
      end = tokenEnd.exec(line)?.index ?? line.length;
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
const MAY_HOLD = /a=crypto|authorization|signal/i;
function mayHold(text: string): boolean {
  return MAY_HOLD.test(text);
}
