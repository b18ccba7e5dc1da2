/**
 * What `doorstation devices` lists: cameras, ALSA devices, GPIO chips and
 * the H.264 encoders GStreamer has, each with the config value that
 * selects it. Read from sysfs/procfs (no tools needed on the Pi), and
 * gst-inspect-1.0 when present (it prints no noise for missing elements,
 * unlike a probe through the binding).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { elementExists } from '../gst/gst.js';
import { AUTO_ENCODERS } from '../video/video-encoder.js';

export interface CameraDevice {
  /** `media.video_source` value. */
  source: string;
  name: string;
}

export interface AlsaDevice {
  /** `alsa:hw:CARD,DEV`, for `media.audio_source` / `media.audio_sink`. */
  device: string;
  card: string;
  name: string;
  capture: boolean;
  playback: boolean;
}

export interface GpioChip {
  /** `/dev/gpiochipN` (character device), when there is one. */
  device?: string;
  /** `/sys/class/gpio/gpiochipBASE`, when the sysfs interface is there (what onoff uses). */
  sysfs?: string;
  label: string;
  /** sysfs number of line 0: onoff numbers a line as base + offset. */
  base?: number;
  lines?: number;
}

export interface DeviceList {
  cameras: CameraDevice[];
  alsa: AlsaDevice[];
  gpioChips: GpioChip[];
  /** H.264 encoders present, in `video_encoder = "auto"` order. */
  h264Encoders: string[];
}

export interface ListDevicesOptions {
  /** Filesystem root, for tests. */
  root?: string;
  /** Element test; default gst-inspect-1.0, else the binding. */
  hasElement?: (factory: string) => Promise<boolean>;
}

const readText = (p: string) => readFile(p, 'utf8').then((s) => s.trim(), () => undefined);
const list = (p: string) => readdir(p).catch(() => [] as string[]);

export async function listDevices(opts: ListDevicesOptions = {}): Promise<DeviceList> {
  const root = opts.root ?? '/';
  const has = opts.hasElement ?? elementExists;
  const [cameras, alsa, gpioChips, encoders] = await Promise.all([
    listCameras(root, has),
    listAlsa(root),
    listGpioChips(root),
    Promise.all(AUTO_ENCODERS.map(async (e) => ((await has(e)) ? e : undefined))),
  ]);
  return { cameras, alsa, gpioChips, h264Encoders: encoders.filter((e): e is (typeof AUTO_ENCODERS)[number] => e !== undefined) };
}

async function listCameras(root: string, has: (f: string) => Promise<boolean>): Promise<CameraDevice[]> {
  const out: CameraDevice[] = [];
  const nodes = (await list(join(root, 'dev'))).filter((n) => /^video\d+$/.test(n)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  for (const n of nodes) {
    const name = (await readText(join(root, 'sys/class/video4linux', n, 'name'))) ?? n;
    // The Pi's codec and ISP nodes are video devices too but no camera.
    if (/bcm2835-codec|bcm2835-isp|rpivid|hevc|pispbe/i.test(name)) continue;
    out.push({ source: `v4l2:/dev/${n}`, name });
  }
  if (await has('libcamerasrc')) out.push({ source: 'libcamera', name: 'libcamera (first camera)' });
  return out;
}

async function listAlsa(root: string): Promise<AlsaDevice[]> {
  const cards = new Map<string, string>();
  for (const line of ((await readText(join(root, 'proc/asound/cards'))) ?? '').split('\n')) {
    // " 0 [PCH            ]: HDA-Intel - HDA Intel PCH"
    const m = /^\s*(\d+)\s+\[(\S+)\s*\]:\s*(.*)$/.exec(line);
    if (m) cards.set(m[1]!, `${m[2]} (${m[3]!.trim()})`);
  }
  const out: AlsaDevice[] = [];
  for (const line of ((await readText(join(root, 'proc/asound/pcm'))) ?? '').split('\n')) {
    // "00-00: ALC3246 Analog : ALC3246 Analog : playback 1 : capture 1"
    const m = /^(\d+)-(\d+):\s*([^:]*):[^:]*:(.*)$/.exec(line);
    if (!m) continue;
    const card = String(Number(m[1]));
    const dev = String(Number(m[2]));
    out.push({
      device: `alsa:hw:${card},${dev}`,
      card: cards.get(card) ?? card,
      name: m[3]!.trim(),
      capture: /capture/.test(m[4]!),
      playback: /playback/.test(m[4]!),
    });
  }
  return out;
}

async function listGpioChips(root: string): Promise<GpioChip[]> {
  const out: GpioChip[] = [];
  const sys = join(root, 'sys/class/gpio');
  const claimed = new Set<string>();
  for (const n of (await list(sys)).filter((x) => /^gpiochip\d+$/.test(x))) {
    const num = async (f: string) => {
      const v = Number(await readText(join(sys, n, f)));
      return Number.isFinite(v) ? v : undefined;
    };
    // The sysfs chip's parent device holds its character device's name (gpiochipBASE vs gpiochipN).
    const dev = (await list(join(sys, n, 'device'))).find((x) => /^gpiochip\d+$/.test(x));
    if (dev) claimed.add(dev);
    out.push({
      device: dev ? `/dev/${dev}` : undefined,
      sysfs: `/sys/class/gpio/${n}`,
      label: (await readText(join(sys, n, 'label'))) ?? '',
      base: await num('base'),
      lines: await num('ngpio'),
    });
  }
  for (const n of (await list(join(root, 'dev'))).filter((x) => /^gpiochip\d+$/.test(x) && !claimed.has(x))) {
    out.push({ device: `/dev/${n}`, label: (await readText(join(root, 'sys/bus/gpio/devices', n, 'label'))) ?? '' });
  }
  return out;
}
