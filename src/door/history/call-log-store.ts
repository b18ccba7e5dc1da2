/**
 * The call log on disk: calls.jsonl in the state directory, one JSON line
 * per call, append-only, kept across restarts and power cuts.
 *
 * - Each record is one write() of the whole line on an O_APPEND descriptor,
 *   then fdatasync: a power cut loses at most the line being written, and
 *   leaves at worst a torn (or, on some file systems, zero-filled) last line.
 * - Reading skips every line that is not a whole, valid record, with a
 *   warning, and then rewrites the file without them: the next append must
 *   not be glued onto a torn line.
 * - Bounded by `max_entries` and `max_bytes`: when the next record would
 *   pass either, the oldest records are dropped down to 90% of the bounds,
 *   so the file is rewritten once every tenth of its size, not at every
 *   call. A rewrite goes to a new file, fsynced, then renamed over the old
 *   one (and the directory fsynced): a power cut leaves the old log or the
 *   new one, never a mix.
 * - Files are 0640 (the service's group may read, nobody else), opened with
 *   O_NOFOLLOW: a link planted at the name fails instead of being followed.
 *
 * One operation at a time (a promise chain), so an append never races a
 * rewrite.
 */
import { constants } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../log/logger.js';
import { errorMessage } from '../../log/error-message.js';
import { ensurePrivateDir } from './private-dir.js';
import { parseRecordLine, type CallRecord } from './call-record.js';

export const LOG_FILE_MODE = 0o640;

export interface CallLogStoreOptions {
  file: string;
  maxEntries: number;
  maxBytes: number;
  log: Logger;
  /** Records the bounds removed, after the file without them is in place (their pictures go with them). */
  onRemoved?(records: CallRecord[]): Promise<void> | void;
}

interface Entry {
  readonly record: CallRecord;
  /** The line's bytes with its newline. */
  readonly bytes: number;
}

export class CallLogStore {
  private entries: Entry[] = [];
  private bytes = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** The file may end in a partial line (a failed write): the next append rewrites it whole. */
  private dirty = false;

  constructor(private readonly opts: CallLogStoreOptions) {}

  get size(): number {
    return this.entries.length;
  }

  get fileBytes(): number {
    return this.bytes;
  }

  /** The latest `n` records, newest first. */
  latest(n: number): CallRecord[] {
    return this.entries
      .slice(-Math.max(0, n))
      .reverse()
      .map((e) => e.record);
  }

  /** Reads the log (a missing file is an empty log); never rejects: a log it cannot read is logged and started afresh. */
  load(): Promise<void> {
    return this.queue(async () => {
      const { log, file } = this.opts;
      let text: string;
      try {
        await ensurePrivateDir(dirname(file));
        text = await readTail(file, this.opts.maxBytes * 2);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        log.error(`call log ${file} not read: ${errorMessage(e)}; starting a new one`);
        this.dirty = true;
        return;
      }
      const lines = text.split('\n');
      // The part after the last newline is a line whose write never finished (or nothing).
      const last = lines.pop()!;
      let skipped = last.length > 0 ? 1 : 0;
      for (const line of lines) {
        const record = line.length > 0 ? parseRecordLine(line) : undefined;
        if (record) this.push(record, Buffer.byteLength(line) + 1);
        else skipped++;
      }
      if (skipped > 0) log.warn(`call log ${file}: skipped ${skipped} line(s) that are not whole records (a power cut during a write leaves one)`);
      const removed = this.trim(0, 0);
      if (skipped > 0 || removed.length > 0) {
        await this.rewrite();
        await this.removed(removed);
      }
    });
  }

  /** Appends one record (durably: it is on disk when this resolves); never rejects, a failure is logged. */
  append(record: CallRecord): Promise<void> {
    return this.queue(async () => {
      const line = JSON.stringify(record) + '\n';
      const bytes = Buffer.byteLength(line);
      if (bytes > this.opts.maxBytes) {
        this.opts.log.warn(`call ${record.id} not logged: its record (${bytes} bytes) is larger than history.max_bytes`);
        return;
      }
      const over = this.entries.length + 1 > this.opts.maxEntries || this.bytes + bytes > this.opts.maxBytes;
      const removed = over ? this.trim(1, bytes, 0.9) : [];
      this.push(record, bytes);
      try {
        if (over || this.dirty) await this.rewrite();
        else await appendLine(this.opts.file, line);
      } catch (e) {
        this.dirty = true;
        this.opts.log.error(`call ${record.id} not written to the call log ${this.opts.file}: ${errorMessage(e)}`);
        return;
      }
      await this.removed(removed);
    });
  }

  /** Resolves when every operation queued so far is done. */
  flush(): Promise<void> {
    return this.queue(async () => {});
  }

  private push(record: CallRecord, bytes: number): void {
    this.entries.push({ record, bytes });
    this.bytes += bytes;
  }

  /** Drops the oldest until `extra` more records of `extraBytes` fit within `fill` of both bounds. */
  private trim(extra: number, extraBytes: number, fill = 1): CallRecord[] {
    const maxEntries = Math.max(1, Math.floor(this.opts.maxEntries * fill));
    const maxBytes = Math.floor(this.opts.maxBytes * fill);
    let n = 0;
    let bytes = this.bytes;
    while (n < this.entries.length && (this.entries.length - n + extra > maxEntries || bytes + extraBytes > maxBytes)) bytes -= this.entries[n++]!.bytes;
    const removed = this.entries.splice(0, n).map((e) => e.record);
    this.bytes = bytes;
    return removed;
  }

  private async rewrite(): Promise<void> {
    const { file } = this.opts;
    const tmp = `${file}.tmp`;
    // A leftover of a rewrite a power cut stopped (or anything planted there): never written through.
    await rm(tmp, { force: true });
    const text = this.entries.map((e) => JSON.stringify(e.record) + '\n').join('');
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, LOG_FILE_MODE);
    try {
      await fh.chmod(LOG_FILE_MODE); // whatever the umask
      await writeAll(fh, Buffer.from(text));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    await syncDir(dirname(file));
    this.dirty = false;
  }

  private async removed(records: CallRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.opts.log.info(`call log: removed the ${records.length} oldest call(s) (history.max_entries ${this.opts.maxEntries}, max_bytes ${this.opts.maxBytes})`);
    try {
      await this.opts.onRemoved?.(records);
    } catch (e) {
      this.opts.log.warn(`call log: removing the pictures of old calls: ${errorMessage(e)}`);
    }
  }

  private queue(op: () => Promise<void>): Promise<void> {
    const next = this.chain.then(op, op);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** One write() of the whole line (a short write, which a regular file almost never gives, is completed), then fdatasync. */
async function appendLine(file: string, line: string): Promise<void> {
  let created = false;
  try {
    await stat(file);
  } catch {
    created = true;
  }
  const fh = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, LOG_FILE_MODE);
  try {
    if (created) await fh.chmod(LOG_FILE_MODE);
    await writeAll(fh, Buffer.from(line));
    await fh.datasync();
  } finally {
    await fh.close();
  }
  // A new file's name is on disk only once its directory is.
  if (created) await syncDir(dirname(file));
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The file's last `max` bytes at most (a log grown by hand is not read whole); a cut first line is dropped. */
async function readTail(file: string, max: number): Promise<string> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error('not a regular file');
    const size = st.size;
    const start = Math.max(0, size - max);
    const buf = Buffer.alloc(size - start);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const text = buf.subarray(0, got).toString('utf8');
    return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } finally {
    await fh.close();
  }
}
