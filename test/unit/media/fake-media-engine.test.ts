import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeMediaEngine } from '../../support/fake-media-engine.js';
import type { MediaEngine, MediaError } from '../../../src/media/media-engine.js';

describe('FakeMediaEngine', () => {
  it('remembers destinations and talk as the door asks', async () => {
    const fake = new FakeMediaEngine();
    const engine: MediaEngine = fake;
    await engine.start();
    engine.addVideoDestination('fork-1', { address: '192.0.2.1', port: 4000, payloadType: 96 });
    engine.addVideoDestination('fork-2', { address: '192.0.2.2', port: 4002, payloadType: 96 });
    engine.removeVideoDestination('fork-1');
    expect([...fake.destinations.keys()]).toEqual(['fork-2']);
    expect(engine.stats().video.destinations).toHaveLength(1);
    await expect(engine.sendDtmf('1')).rejects.toThrow(/no call/);
    engine.startTalk({ address: '192.0.2.2', port: 4004, codec: 'PCMU', payloadType: 0, dtmf: { payloadType: 101, clockRate: 8000 } });
    await engine.sendDtmf('#');
    expect(fake.dtmfSent).toEqual(['#']);
    expect(engine.stats().audio).toMatchObject({ talking: true, codec: 'PCMU', remote: '192.0.2.2:4004' });
    expect(fake.calls.map((c) => c.op)).toEqual(['start', 'addVideoDestination', 'addVideoDestination', 'removeVideoDestination', 'sendDtmf', 'startTalk', 'sendDtmf']);
  });

  it('plays the screen and the camera: key presses and failures as events', () => {
    const fake = new FakeMediaEngine();
    const digits: string[] = [];
    const errors: MediaError[] = [];
    fake.on('dtmf', (d) => digits.push(d));
    fake.on('error', (e) => errors.push(e));
    fake.pressKey('4');
    fake.fail('video', 'camera gone', 500);
    expect(digits).toEqual(['4']);
    expect(errors).toEqual([{ component: 'video', message: 'camera gone', retryInMs: 500 }]);
  });

  it('writes a snapshot file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-media-'));
    try {
      await new FakeMediaEngine().snapshot(join(dir, 's.jpg'));
      expect(readFileSync(join(dir, 's.jpg')).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
