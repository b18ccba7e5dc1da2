/**
 * The typed face of `gstreamer-superficial` (a native addon with no type
 * declarations). Everything else in media/ goes through this file, so no
 * untyped value leaves it.
 *
 * What the binding can do, measured on GStreamer 1.22 / Node 20:
 * - parse a launch description (throws on a missing element, bad link or
 *   syntax error); play / pause / stop (NULL); find an element by name;
 * - get any property; set string, boolean and number properties live
 *   (numbers travel as a float and are converted by GLib, so integers are
 *   exact up to 2^24; enum and object properties can't be set, only named
 *   in the description); a string set on a caps property is parsed as caps;
 * - `forceKeyUnit(name, n)`: an upstream force-key-unit event from that
 *   element's sink pad;
 * - appsink `pull(cb)` (one sample per call, on a libuv threadpool thread),
 *   appsrc `push(buffer)`;
 * - `pollBus(cb)`: messages as plain objects.
 * What it can't: action signals (multiudpsink add/remove, get-stats),
 * custom events (so no rtpdtmfsrc), reading the pipeline state, freeing a
 * pipeline (each one, and every element handed out by findChild, lives
 * until exit: build pipelines once and reuse them).
 * What costs memory that never comes back, and the rule that follows
 * (the figures, and the bench that measures them again, are in
 * RELIABILITY.md, "Memory the GStreamer binding keeps"):
 * - a NULL→PLAYING→NULL cycle of a pipeline: never cycle a pipeline
 *   through NULL; long-lived pipelines stay PLAYING;
 * - a findChild: cache the element;
 * - a caps set: set caps once;
 * - a string property read, or a read of any type it turns into a string
 *   (guint64, enums, structures): the string (the GValue is never unset),
 *   so such reads are rationed.
 * Number and boolean sets, number reads: nothing.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';

/*
 * Each running pipeline's bus poller and each pending appsink pull holds
 * one libuv threadpool thread, the pool fs, dns.lookup and crypto share.
 * With the default 4, four pollers starve fs entirely (measured). The size
 * is read once, when the pool first starts, and Node's ESM loader starts it
 * before this module runs: only the environment can set it, which
 * systemd/doorstation.service does (UV_THREADPOOL_SIZE=6, counted there).
 */

export type GstPropertyValue = string | number | boolean | null;

/** A bus message: `type` (`error`, `eos`, `state-changed`, ...), its structure's fields, and the source element's name. */
export interface GstBusMessage {
  readonly type: string;
  readonly _src_element_name: string;
  /** Error/warning text. */
  readonly message?: string;
  readonly debug?: string;
  /** Element path of an error's source. */
  readonly name?: string;
  readonly 'old-state'?: string;
  readonly 'new-state'?: string;
  readonly [field: string]: unknown;
}

export interface GstSampleCaps {
  readonly name?: string;
  readonly [field: string]: unknown;
}

export interface GstElement {
  get(property: string): GstPropertyValue | undefined;
  set(property: string, value: string | number | boolean): void;
}

export interface GstAppSink extends GstElement {
  /** One sample; `null` buffer at EOS or when the pipeline stops. */
  pull(cb: (buf: Buffer | null, caps: GstSampleCaps) => void): void;
}

export interface GstAppSrc extends GstElement {
  push(buf: Buffer): void;
}

export interface GstRawPipeline {
  play(): void;
  pause(): void;
  stop(): void;
  pollBus(cb: (msg: GstBusMessage) => void): void;
  forceKeyUnit(element: string, count: number): boolean;
  findChild(name: string): RawObject | undefined;
  sendEOS(): void;
  'auto-flush-bus': boolean;
}

/** What findChild returns: GObject properties as accessors, plus pull/push on app elements. */
type RawObject = Record<string, unknown> & {
  pull?: (cb: (buf: Buffer | null, caps: GstSampleCaps) => void) => void;
  push?: (buf: Buffer) => void;
};

interface Binding {
  Pipeline: new (description: string) => GstRawPipeline;
}

let binding: Binding | undefined;
let loadError: Error | undefined;

/** The addon, loaded on first use so machines without GStreamer can still run unit tests and the fake engine. */
function load(): Binding {
  if (binding) return binding;
  if (loadError) throw loadError;
  try {
    binding = createRequire(import.meta.url)('gstreamer-superficial') as Binding;
    return binding;
  } catch (e) {
    loadError = new GstError(`cannot load gstreamer-superficial: ${(e as Error).message}`);
    throw loadError;
  }
}

export class GstError extends Error {
  override name = 'GstError';
}

/** Whether the addon loads here (GStreamer runtime present and the addon built). */
export function gstAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/** Parses a launch description; a GstError names what is wrong. */
export function parsePipeline(description: string): GstRawPipeline {
  const { Pipeline } = load();
  try {
    return new Pipeline(description);
  } catch (e) {
    // SPEC §5: SRTP keys never reach a log, and this message does. The start of the
    // description says which pipeline; all of it (ours run to 1 kB) buries the reason.
    const hidden = description.replace(/\bkey=[0-9a-fA-F]+/g, 'key=(hidden)');
    const shown = hidden.length > 120 ? `${hidden.slice(0, 117)}...` : hidden;
    throw new GstError(`${(e as Error).message} in "${shown}"`);
  }
}

function toPropertyValue(v: unknown): GstPropertyValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return undefined;
}

function wrap(raw: RawObject): GstElement {
  return {
    get: (p) => toPropertyValue(raw[p]),
    set: (p, v) => {
      raw[p] = v;
    },
  };
}

export function findElement(p: GstRawPipeline, name: string): GstElement | undefined {
  const raw = p.findChild(name);
  return raw ? wrap(raw) : undefined;
}

export function findAppSink(p: GstRawPipeline, name: string): GstAppSink | undefined {
  const raw = p.findChild(name);
  const pull = raw?.pull;
  if (!raw || typeof pull !== 'function') return undefined;
  return { ...wrap(raw), pull: (cb) => pull.call(raw, cb) };
}

export function findAppSrc(p: GstRawPipeline, name: string): GstAppSrc | undefined {
  const raw = p.findChild(name);
  const push = raw?.push;
  if (!raw || typeof push !== 'function') return undefined;
  return { ...wrap(raw), push: (buf) => push.call(raw, buf) };
}

const existing = new Map<string, Promise<boolean>>();

/**
 * Whether GStreamer has an element factory of this name. v4l2 codec
 * elements are registered per device, so this also answers "is there a
 * hardware encoder". gst-inspect-1.0 answers quietly, in a child process
 * the event loop does not wait for (run synchronously, one per encoder
 * candidate held the daemon's start-up for ~20 ms each, issue 14); without
 * it (no gstreamer1.0-tools) a probe parse through the binding answers,
 * printing a line on stderr for a missing element and never freeing the
 * probe, so answers are cached.
 */
export function elementExists(factory: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]+$/.test(factory)) return Promise.resolve(false);
  let known = existing.get(factory);
  if (!known) {
    known = new Promise((resolve) => {
      execFile('gst-inspect-1.0', ['--exists', factory], { timeout: 10_000 }, (err) => {
        if (!err) return resolve(true);
        resolve((err as NodeJS.ErrnoException).code === 'ENOENT' ? probeParse(factory) : false);
      });
    });
    existing.set(factory, known);
  }
  return known;
}

function probeParse(factory: string): boolean {
  try {
    load();
  } catch {
    return false;
  }
  try {
    // Unlinked and never played; three elements so a failed parse still
    // yields a pipeline (one lone element makes the binding warn on a bad cast).
    parsePipeline(`fakesrc ! fakesink ${factory}`);
    return true;
  } catch (e) {
    return !/no element/.test((e as Error).message);
  }
}
