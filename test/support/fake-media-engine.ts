/**
 * A MediaEngine that does nothing but remember, for unit tests of the
 * layers above: what destinations and talk the door asked for, which DTMF
 * it sent; and levers to play the other side (a screen's key press, a
 * camera failure).
 */
import { writeFile } from 'node:fs/promises';
import type { DtmfDigit } from '../../src/dtmf.js';
import { TypedEmitter } from '../../src/events/typed-emitter.js';
import type { MediaCapabilities, MediaComponent, MediaEngine, MediaEvents, MediaStats, TalkParams, VideoDestination, VideoDestinationStats } from '../../src/media/media-engine.js';

export interface FakeMediaEngineOptions {
  capabilities?: Partial<{ video: Partial<MediaCapabilities['video']>; audio: Partial<MediaCapabilities['audio']> }>;
  /** What snapshot() writes (a tiny JPEG-looking buffer by default). */
  snapshotBytes?: Buffer;
  now?: () => number;
}

export type FakeMediaCall =
  | { op: 'start' | 'stop' | 'stopTalk' }
  | { op: 'addVideoDestination'; id: string; dest: VideoDestination }
  | { op: 'removeVideoDestination'; id: string }
  | { op: 'startTalk'; params: TalkParams }
  | { op: 'addAudioDestination'; id: string; params: TalkParams }
  | { op: 'removeAudioDestination'; id: string }
  | { op: 'sendDtmf'; digit: DtmfDigit; durationMs?: number }
  | { op: 'snapshot'; file: string };

export class FakeMediaEngine extends TypedEmitter<MediaEvents> implements MediaEngine {
  readonly calls: FakeMediaCall[] = [];
  readonly destinations = new Map<string, VideoDestinationStats>();
  talk: TalkParams | undefined;
  /** Early audio destinations now, by id. */
  readonly audioDestinations = new Map<string, TalkParams>();
  readonly dtmfSent: DtmfDigit[] = [];
  started = false;
  private readonly caps: MediaCapabilities;
  private readonly now: () => number;
  private dtmfReceived = 0;

  constructor(private readonly opts: FakeMediaEngineOptions = {}) {
    super();
    this.now = opts.now ?? Date.now;
    this.caps = {
      video: { available: true, port: 16386, rtcpPort: 16387, encoder: 'fake', payloadType: 96, width: 640, height: 480, framerate: 15, ...opts.capabilities?.video },
      audio: { available: true, port: 16384, codecs: ['opus', 'PCMU', 'PCMA'], send: true, ...opts.capabilities?.audio },
    };
  }

  async start(): Promise<void> {
    this.calls.push({ op: 'start' });
    this.started = true;
  }

  async stop(): Promise<void> {
    this.calls.push({ op: 'stop' });
    this.started = false;
    this.destinations.clear();
    this.talk = undefined;
  }

  capabilities(): MediaCapabilities {
    return structuredClone(this.caps);
  }

  addVideoDestination(id: string, dest: VideoDestination): void {
    this.calls.push({ op: 'addVideoDestination', id, dest: { ...dest } });
    this.destinations.set(id, { ...dest, srtp: dest.srtp !== undefined, id, addedAt: this.now(), keyFramesForced: 1, rtcpStats: { senderReports: 0, received: 0, pliReceived: 0, firReceived: 0 } });
  }

  removeVideoDestination(id: string): void {
    this.calls.push({ op: 'removeVideoDestination', id });
    this.destinations.delete(id);
  }

  addAudioDestination(id: string, params: TalkParams): void {
    this.calls.push({ op: 'addAudioDestination', id, params: { ...params } });
    if (!this.talk) this.audioDestinations.set(id, { ...params });
  }

  removeAudioDestination(id: string): void {
    this.calls.push({ op: 'removeAudioDestination', id });
    this.audioDestinations.delete(id);
  }

  startTalk(params: TalkParams): void {
    this.calls.push({ op: 'startTalk', params: { ...params } });
    this.audioDestinations.clear();
    this.talk = { ...params };
  }

  stopTalk(): void {
    this.calls.push({ op: 'stopTalk' });
    this.audioDestinations.clear();
    this.talk = undefined;
  }

  async sendDtmf(digit: DtmfDigit, durationMs?: number): Promise<void> {
    this.calls.push({ op: 'sendDtmf', digit, durationMs });
    if (!this.talk) throw new Error('no call with audio');
    if (!this.talk.dtmf) throw new Error('the peer did not agree to telephone-event');
    this.dtmfSent.push(digit);
  }

  async snapshot(file: string): Promise<void> {
    this.calls.push({ op: 'snapshot', file });
    await writeFile(file, this.opts.snapshotBytes ?? Buffer.from([0xff, 0xd8, 0xff, 0xd9]), { flag: 'wx' });
  }

  stats(): MediaStats {
    return {
      video: {
        running: this.started,
        playing: this.started,
        encoder: this.caps.video.encoder,
        payloadType: this.caps.video.payloadType,
        destinations: [...this.destinations.values()].map((d) => ({ ...d, rtcpStats: { ...d.rtcpStats } })),
        failures: 0,
        keyFramesForced: this.destinations.size,
        keyFrameRequestsCoalesced: 0,
        rtcp: { senderReports: 0, pliReceived: 0, firReceived: 0, ignored: 0, malformed: 0, srtcpAuthFailures: 0, srtcpReplays: 0 },
      },
      audio: {
        talking: this.talk !== undefined,
        playing: this.talk !== undefined,
        codec: this.talk?.codec,
        remote: this.talk ? `${this.talk.address}:${this.talk.port}` : undefined,
        packetsSent: 0,
        bytesSent: 0,
        packetsReceived: 0,
        bytesReceived: 0,
        packetsRejected: 0,
        dtmfSent: this.dtmfSent.length,
        dtmfReceived: this.dtmfReceived,
        failures: 0,
      },
    };
  }

  // Levers for tests.

  /** The talking screen pressed a key. */
  pressKey(digit: DtmfDigit): void {
    this.dtmfReceived++;
    this.emit('dtmf', digit);
  }

  /** A component failed (retryInMs absent: for good). */
  fail(component: MediaComponent, message: string, retryInMs?: number): void {
    this.emit('error', { component, message, retryInMs });
  }

  recover(component: MediaComponent): void {
    this.emit('recovered', component);
  }
}
