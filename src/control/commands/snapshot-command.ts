/**
 * `snapshot [NAME]` (issue 12 row 14): a JPEG of the current camera frame,
 * written only into the picture directory (`media.picture_dir`) under a
 * plain file name, never over an existing file, never through a link, never
 * into a FIFO or device (the file is created with O_CREAT|O_EXCL|O_NOFOLLOW,
 * so anything already at that name makes it fail at once). The reply says
 * where it wrote (`Path:`). A client of the socket may thus add pictures to
 * one directory, and nothing else on the file system.
 */
import { join } from 'node:path';
import { fileTime } from '../../config/paths.js';
import { ensurePrivateDir } from '../../door/history/private-dir.js';
import type { MediaEngine } from '../../media/media-engine.js';
import { errorMessage } from '../../log/error-message.js';
import type { Command } from '../registry.js';
import { fail, ok } from '../reply.js';

/** A letter or digit first (no dot files, no `..`), then letters, digits, `.`, `_`, `-`; no `/`. */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The name to write, or an error text: `snapshot-20261203-132501-123.jpg` when none is given. */
export function pictureName(arg: string, now = new Date()): { name: string } | { error: string } {
  if (arg === '') return { name: `snapshot-${fileTime(now)}.jpg` };
  if (!PLAIN_NAME.test(arg)) return { error: 'Invalid name: a plain file name (letters, digits, ".", "_", "-"; no "/"), written into the picture directory.' };
  return { name: arg };
}

export function snapshotCommands(media: MediaEngine, dir: string): Command[] {
  return [
    {
      name: 'snapshot',
      syntax: 'snapshot [<name>]',
      description: 'Writes the current camera frame as JPEG into the picture directory; replies with its Path.',
      run: async (args) => {
        const n = pictureName(args);
        if ('error' in n) return fail(n.error);
        const path = join(dir, n.name);
        try {
          // The directory visitor pictures share: created 0750 whatever the umask, as the call recorder creates it.
          await ensurePrivateDir(dir);
          await media.snapshot(path);
          return ok([['Path', path]]);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EEXIST' || code === 'ELOOP') return fail(`Snapshot failed: ${n.name} already exists in the picture directory.`);
          return fail(`Snapshot failed: ${errorMessage(e)}`);
        }
      },
    },
  ];
}
