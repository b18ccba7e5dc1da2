/**
 * Who rang: for every press that starts a call (DoorStation's `ring`
 * event) a visitor picture, optionally a second one `second_picture_s`
 * later, and when the call is over one record in the call log (time,
 * button, plan, targets, who answered, ring and talk time, how it ended,
 * the door openings during it, the pictures).
 *
 * The press → INVITE path never waits for a picture: `ring` is emitted
 * inside DoorStation.ring(), and the picture is only asked for on a later
 * turn of the event loop (setImmediate), when ring() has returned and the
 * INVITE is on its way. The JPEG itself is encoded on a GStreamer thread
 * and written with async I/O (media.snapshot), so the loop is not held
 * while it is made either.
 *
 * A record is written when the call is released and its pictures are
 * done (a second picture due after the call ended is still taken and
 * waited for), so each call is one line, written once.
 */
import { chmod, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileTime } from '../../config/paths.js';
import type { HistoryConfig } from '../../config/schema.js';
import { TypedEmitter, type Listens } from '../../events/typed-emitter.js';
import type { Logger } from '../../log/logger.js';
import { errorMessage } from '../../log/error-message.js';
import type { MediaEngine } from '../../media/media-engine.js';
import { CallState } from '../call/call-state.js';
import type { CallStateChange } from '../door-station.js';
import { CallLogStore } from './call-log-store.js';
import { ensurePrivateDir } from './private-dir.js';
import { PICTURE_NAME, type CallRecord, type DoorOpening } from './call-record.js';

/** A press that started a call (DoorStation's `ring` event). */
export interface RingInfo {
  id: number;
  button: string;
  plan: string;
  targets: string[];
  at: Date;
}

/** DoorOpener's `opened`; `relay` is absent on a door with one relay. */
export interface OpenedInfo {
  by: string;
  method: string;
  relay?: string;
}

export type RecorderDoorEvents = { ring: [RingInfo]; 'call-state': [CallStateChange] };

export interface VisitorPicture {
  id: number;
  button: string;
  path: string;
}

export type CallRecorderEvents = { picture: [VisitorPicture] };

export const PICTURE_MODE = 0o640;

export interface CallRecorderOptions {
  config: Pick<HistoryConfig, 'pictures' | 'second_picture_s'>;
  store: CallLogStore;
  pictureDir: string;
  door: Listens<RecorderDoorEvents> & { get(id: number): { readonly peer: string | undefined } | undefined };
  opener: Listens<{ opened: [OpenedInfo] }>;
  media: Pick<MediaEngine, 'snapshot'>;
  log: Logger;
  now?: () => number;
}

/** A call being recorded. */
interface Pending {
  readonly ring: RingInfo;
  answeredBy: string | null;
  answeredAt?: number;
  endedAt?: number;
  end?: string;
  readonly door: DoorOpening[];
  readonly pictures: string[];
  /** Pictures asked for or still due; the record waits for them. */
  readonly shots: Promise<void>[];
  readonly timers: NodeJS.Timeout[];
  /** Resolves the shots of timers cancelled by stop(). */
  readonly cancels: Array<() => void>;
}

export class CallRecorder extends TypedEmitter<CallRecorderEvents> {
  readonly name = 'history';
  private readonly pending = new Map<number, Pending>();
  private readonly writes = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly opts: CallRecorderOptions) {
    super();
    this.now = opts.now ?? Date.now;
    opts.door.on('ring', (r) => this.onRing(r));
    opts.door.on('call-state', (c) => this.onState(c));
    opts.opener.on('opened', (o) => this.onOpened(o));
  }

  async start(): Promise<void> {
    const startedAt = Date.now(); // compared with file times: the real clock
    await this.opts.store.load();
    await this.removeOrphans(startedAt);
  }

  /** Pictures not yet due are given up; calls still open are written as they are. */
  async stop(): Promise<void> {
    for (const p of this.pending.values()) {
      p.timers.forEach(clearTimeout);
      p.cancels.forEach((c) => c());
    }
    for (const id of [...this.pending.keys()]) this.finish(id, 'the daemon stopped');
    await Promise.allSettled([...this.writes]);
    await this.opts.store.flush();
  }

  /** The latest `n` calls, newest first. */
  latest(n: number): CallRecord[] {
    return this.opts.store.latest(n);
  }

  /**
   * Visitor pictures no record names (their call's record was never written: a power cut or a crash
   * during the call, a log that was removed) are deleted, so the pictures stay bounded with the log.
   * Only older than this start, and only names the recorder writes.
   */
  private async removeOrphans(before: number): Promise<void> {
    const dir = this.opts.pictureDir;
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => PICTURE_NAME.test(n));
    } catch {
      return; // no pictures yet
    }
    const kept = new Set(this.opts.store.latest(Number.MAX_SAFE_INTEGER).flatMap((r) => r.pictures));
    let removed = 0;
    for (const n of names.filter((x) => !kept.has(x))) {
      const st = await stat(join(dir, n)).catch(() => undefined);
      if (!st?.isFile() || st.mtimeMs >= before) continue;
      await rm(join(dir, n), { force: true });
      removed++;
    }
    if (removed > 0) this.opts.log.info(`removed ${removed} visitor picture(s) of calls not in the call log`);
  }

  private onRing(ring: RingInfo): void {
    const p: Pending = { ring, answeredBy: null, door: [], pictures: [], shots: [], timers: [], cancels: [] };
    this.pending.set(ring.id, p);
    const { pictures, second_picture_s: second } = this.opts.config;
    if (!pictures) return;
    // Next turn of the loop: ring() returns and the INVITE goes out first.
    p.shots.push(new Promise((resolve) => setImmediate(() => void this.shoot(p).finally(resolve))));
    if (second > 0) {
      p.shots.push(
        new Promise((resolve) => {
          p.timers.push(setTimeout(() => void this.shoot(p).finally(resolve), second * 1000));
          p.cancels.push(resolve);
        }),
      );
    }
  }

  private onState(c: CallStateChange): void {
    const p = this.pending.get(c.id);
    if (!p) return;
    if (c.state === CallState.Connected && p.answeredAt === undefined) {
      p.answeredAt = this.now();
      p.answeredBy = this.opts.door.get(c.id)?.peer ?? null;
    } else if (c.state === CallState.End || c.state === CallState.Error) {
      p.endedAt ??= this.now();
      p.end ??= c.reason ?? (c.state === CallState.Error ? 'failed' : 'ended');
    } else if (c.state === CallState.Released) {
      this.finish(c.id, 'ended');
    }
  }

  private onOpened(o: OpenedInfo): void {
    const time = new Date(this.now()).toISOString();
    // One call at a time: an opening while a recorded call rings or talks belongs to it.
    for (const p of this.pending.values()) {
      if (p.endedAt === undefined) p.door.push({ time, relay: o.relay ?? 'door', method: o.method, by: o.by });
    }
  }

  private finish(id: number, fallbackEnd: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const endedAt = p.endedAt ?? this.now();
    const pressed = p.ring.at.getTime();
    const write = Promise.allSettled(p.shots)
      .then(() =>
        this.opts.store.append({
          id,
          time: p.ring.at.toISOString(),
          button: p.ring.button,
          plan: p.ring.plan,
          targets: p.ring.targets,
          answered_by: p.answeredBy,
          ring_ms: Math.max(0, Math.round((p.answeredAt ?? endedAt) - pressed)),
          talk_ms: p.answeredAt === undefined ? 0 : Math.max(0, Math.round(endedAt - p.answeredAt)),
          end: p.end ?? fallbackEnd,
          door: p.door,
          pictures: [...p.pictures].sort(),
        }),
      )
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  private async shoot(p: Pending): Promise<void> {
    const { id, button } = p.ring;
    const dir = this.opts.pictureDir;
    const name = `visitor-${id}-${fileTime(new Date(this.now()))}.jpg`;
    const path = join(dir, name);
    this.opts.log.debug(`call ${id}: taking a visitor picture`);
    try {
      await ensurePrivateDir(dir);
      await this.opts.media.snapshot(path);
    } catch (e) {
      this.opts.log.warn(`call ${id}: no visitor picture: ${errorMessage(e)}`);
      return;
    }
    // The engine creates it 0640 less the umask; the group must be able to read it whatever the umask.
    await chmod(path, PICTURE_MODE).catch((e: unknown) => this.opts.log.warn(`call ${id}: ${path}: ${errorMessage(e)}`));
    p.pictures.push(name);
    this.opts.log.info(`call ${id}: visitor picture ${path}`);
    this.emit('picture', { id, button, path });
  }
}

/** The pictures of calls the log's bounds removed go with them (only names the recorder writes: a hand-edited log deletes nothing else). */
export async function removePictures(dir: string, records: CallRecord[]): Promise<void> {
  const names = records.flatMap((r) => r.pictures).filter((n) => PICTURE_NAME.test(n));
  await Promise.all(names.map((n) => rm(join(dir, n), { force: true })));
}

/** The recorder and its log as the daemon wires them: calls.jsonl in the state directory. */
export function createCallRecorder(
  o: Omit<CallRecorderOptions, 'store' | 'config'> & { config: HistoryConfig; stateDir: string },
): CallRecorder {
  const store = new CallLogStore({
    file: join(o.stateDir, 'calls.jsonl'),
    maxEntries: o.config.max_entries,
    maxBytes: o.config.max_bytes,
    log: o.log,
    onRemoved: (records) => removePictures(o.pictureDir, records),
  });
  return new CallRecorder({ ...o, store });
}
