/**
 * Just enough of PNG (RFC 2083) to tell a real picture from a blank one:
 * the size from IHDR, and how many different byte values the inflated
 * image data holds (a uniform frame filters down to a handful; the door's
 * test pattern to hundreds).
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

export function pngSummary(path: string): { width: number; height: number; distinctBytes: number } {
  const b = readFileSync(path);
  if (b.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error(`${path} is not a PNG`);
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= b.length; ) {
    const len = b.readUInt32BE(at);
    const type = b.subarray(at + 4, at + 8).toString('latin1');
    const data = b.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  return { width, height, distinctBytes: new Set(inflateSync(Buffer.concat(idat))).size };
}
