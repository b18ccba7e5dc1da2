import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listDevices } from '../../../../src/media/engine/devices.js';

const root = mkdtempSync(join(tmpdir(), 'devices-'));
const put = (p: string, text = '') => {
  mkdirSync(dirname(join(root, p)), { recursive: true });
  writeFileSync(join(root, p), text);
};
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('listDevices', () => {
  it('lists cameras, ALSA devices, GPIO chips and encoders from a Pi-like tree', async () => {
    put('dev/video0');
    put('dev/video10');
    put('sys/class/video4linux/video0/name', 'USB Camera: HD Webcam\n');
    put('sys/class/video4linux/video10/name', 'bcm2835-codec-decode\n');
    put('proc/asound/cards', ' 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones\n 1 [Device         ]: USB-Audio - USB PnP Sound Device\n');
    put('proc/asound/pcm', '00-00: bcm2835 Headphones : bcm2835 Headphones : playback 8\n01-00: USB Audio : USB Audio : playback 1 : capture 1\n');
    put('sys/class/gpio/gpiochip512/label', 'pinctrl-bcm2711\n');
    put('sys/class/gpio/gpiochip512/base', '512\n');
    put('sys/class/gpio/gpiochip512/ngpio', '58\n');
    mkdirSync(join(root, 'devices/soc/gpio/gpiochip0'), { recursive: true });
    symlinkSync(join(root, 'devices/soc/gpio'), join(root, 'sys/class/gpio/gpiochip512/device'));
    put('dev/gpiochip0');
    put('dev/gpiochip1');

    const d = await listDevices({ root, hasElement: async (f) => f === 'v4l2h264enc' || f === 'x264enc' });
    expect(d.cameras).toEqual([{ source: 'v4l2:/dev/video0', name: 'USB Camera: HD Webcam' }]);
    expect(d.alsa).toEqual([
      { device: 'alsa:hw:0,0', card: 'Headphones (bcm2835_headpho - bcm2835 Headphones)', name: 'bcm2835 Headphones', capture: false, playback: true },
      { device: 'alsa:hw:1,0', card: 'Device (USB-Audio - USB PnP Sound Device)', name: 'USB Audio', capture: true, playback: true },
    ]);
    expect(d.gpioChips).toEqual([
      { device: '/dev/gpiochip0', sysfs: '/sys/class/gpio/gpiochip512', label: 'pinctrl-bcm2711', base: 512, lines: 58 },
      { device: '/dev/gpiochip1', label: '' },
    ]);
    expect(d.h264Encoders).toEqual(['v4l2h264enc', 'x264enc']);
  });

  it('copes with a machine that has none of it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'devices-empty-'));
    try {
      expect(await listDevices({ root: empty, hasElement: async () => false })).toEqual({ cameras: [], alsa: [], gpioChips: [], h264Encoders: [] });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
