/**
 * Issue 12 row 14: `snapshot [NAME]` writes only into media.picture_dir,
 * takes a plain name, never follows a link, never overwrites, never blocks
 * on a FIFO, and says where it wrote.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converse, startDaemon, tempDir, type RunningDaemon } from '../../support/daemon.js';
import { freeRtpRange } from '../../support/gst-ports.js';

let d: RunningDaemon;
let pictures: string;
const send = (line: string) => converse(d.socket, `${line}\n`, { quietMs: 6000 });

describe('snapshot into the picture directory', () => {
  beforeAll(async () => {
    const dir = tempDir('doorstation-snap-');
    pictures = join(dir, 'pictures');
    const rtp = await freeRtpRange(8);
    d = await startDaemon(`[media]\nrtp_ports = "${rtp}"\nwidth = 160\nheight = 120\npicture_dir = "${pictures}"\n`, { dir });
  }, 30_000);
  afterAll(async () => {
    await d.stop();
    d.cleanup();
  });

  it('a plain name: written there as JPEG, Path in the reply', async () => {
    expect(await send('snapshot door.jpg')).toBe(`Status: Ok\n\nPath: ${join(pictures, 'door.jpg')}\n\n`);
    expect(readFileSync(join(pictures, 'door.jpg')).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  }, 20_000);

  it('no name: a timestamped one', async () => {
    const r = await send('snapshot');
    expect(r).toMatch(/^Status: Ok\n\nPath: .*\/snapshot-\d{8}-\d{6}-\d{3}\.jpg\n\n$/);
    expect(existsSync(r.split('Path: ')[1]!.trim())).toBe(true);
  }, 20_000);

  it.each(['/etc/passwd', '../escape.jpg', 'a/b.jpg', '..', '.hidden'])('refuses %s (not a plain name)', async (name) => {
    expect(await send(`snapshot ${name}`)).toMatch(/^Status: Error\nReason: Invalid name/);
    expect(existsSync(join(pictures, '..', 'escape.jpg'))).toBe(false);
  });

  it('never overwrites, never follows a link, never blocks on a FIFO', async () => {
    const victim = join(d.dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(pictures, 'link.jpg'));
    execFileSync('mkfifo', [join(pictures, 'fifo.jpg')]);
    for (const name of ['door.jpg', 'link.jpg', 'fifo.jpg']) {
      expect(await send(`snapshot ${name}`)).toBe(`Status: Error\nReason: Snapshot failed: ${name} already exists in the picture directory.\n\n`);
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(pictures, 'link.jpg')).isSymbolicLink()).toBe(true);
    expect(await send('version')).toMatch(/^Status: Ok/);
  }, 60_000);
});

