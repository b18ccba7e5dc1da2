/**
 * True when the text holds a control character other than HTAB. RFC 3261
 * §25.1 qdtext and quoted-pair exclude them all (CR and LF included), and
 * a CR or LF echoed from a challenge into our Authorization header would
 * let the server (or anyone on the path) inject header lines.
 */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
