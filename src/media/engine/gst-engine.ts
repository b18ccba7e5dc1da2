/**
 * The MediaEngine on GStreamer: a video sender shared by every screen, an
 * audio session for the one that answered, ports from `media.rtp_ports`.
 * GStreamer faults never throw out of here: they become `error` events,
 * and a failed source is restarted with backoff.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { MediaConfig } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import { AudioSession } from '../audio/audio-session.js';
import { H264_PAYLOAD_TYPE, idleAudioStats, zeroRtcpTotals } from '../idle-media.js';
import type { DtmfDigit } from '../../dtmf.js';
import { elementExists, GstError } from '../gst/gst.js';
import { allocateRtpPorts } from './rtp-ports.js';
import { masterKeyHex, newMasterKey } from '../srtp/master-key.js';
import { TypedEmitter } from '../../events/typed-emitter.js';
import type { MediaCapabilities, MediaComponent, MediaEngine, MediaEvents, MediaStats, TalkParams, VideoDestination } from '../media-engine.js';
import { AUTO_ENCODERS, pickEncoder } from '../video/video-encoder.js';
import { VideoRtcp } from '../rtcp/video-rtcp.js';
import { VideoSrtcp } from '../rtcp/video-srtcp.js';
import { VideoSender } from '../video/video-sender.js';

export interface GstMediaEngineOptions {
  config: MediaConfig;
  /** What our RTP sockets bind to; `0.0.0.0` unless told (tests use 127.0.0.1). */
  bindAddress?: string;
  log?: Logger;
  /** Element test, for tests; default: gst-inspect-1.0 (gst/gst.ts). */
  hasElement?: (factory: string) => boolean | Promise<boolean>;
  /** Nominal sender report interval (rtcp/video-rtcp.ts). */
  rtcpIntervalMs?: number;
}

export class GstMediaEngine extends TypedEmitter<MediaEvents> implements MediaEngine {
  private readonly config: MediaConfig;
  private readonly bindAddress: string;
  private readonly log: Logger | undefined;
  private readonly hasElement: (factory: string) => boolean | Promise<boolean>;
  private video: VideoSender | undefined;
  private audio: AudioSession | undefined;
  private socket: Socket | undefined;
  private rtcpSocket: Socket | undefined;
  private rtcp: VideoRtcp | undefined;
  /** RFC 7022 §4.2: a random CNAME per run, so the SDES says nothing about the house. */
  private readonly cname = randomBytes(12).toString('base64');
  private readonly opts: GstMediaEngineOptions;
  private encoder: string | undefined;
  private ports = { audio: 0, video: 0 };
  /** Our video SDES key (base64), when video goes out as SRTP; see MediaCapabilities.video.srtpKey. */
  private videoKey: string | undefined;
  private started = false;
  /** The JPEG being taken: snapshots asked for meanwhile (a press's visitor picture and MQTT's) share it. */
  private jpeg: Promise<Buffer | undefined> | undefined;
  private readonly failing = new Set<MediaComponent>();

  constructor(opts: GstMediaEngineOptions) {
    super();
    this.opts = opts;
    this.config = opts.config;
    this.bindAddress = opts.bindAddress ?? '0.0.0.0';
    this.log = opts.log;
    this.hasElement = opts.hasElement ?? elementExists;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const c = this.config;
    try {
      const ports = await allocateRtpPorts(c.rtp_ports, this.bindAddress);
      this.socket = ports.audioSocket;
      this.ports = { audio: ports.audioPort, video: ports.videoPort };
      // A socket error (ICMP unreachable surfaces as one on some systems) must not become an uncaught 'error'.
      this.socket.on('error', (e) => this.warn(`audio socket: ${e.message}`));
      this.rtcpSocket = ports.videoRtcpSocket;
      this.rtcpSocket.on('error', (e) => this.warn(`video RTCP socket: ${e.message}`));
    } catch (e) {
      this.fail('engine', (e as Error).message);
      return;
    }
    this.startAudio();
    // Every element the video pipeline may need, asked at once and off the event loop.
    const wanted = [...(c.video_encoder === 'auto' ? AUTO_ENCODERS : [c.video_encoder]), 'watchdog', ...(c.srtp !== 'off' ? ['srtpenc'] : [])];
    const found = new Set<string>();
    await Promise.all(
      wanted.map(async (f) => {
        if (await this.hasElement(f)) found.add(f);
      }),
    );
    // Stopped while we asked.
    if (!this.started) return;
    this.startVideo((f) => found.has(f));
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // First, while SSRC and socket are there: BYEs to the screens still listed.
    this.rtcp?.close();
    this.rtcp = undefined;
    this.video?.disable();
    this.audio?.close();
    const sockets = [this.socket, this.rtcpSocket];
    this.socket = undefined;
    this.rtcpSocket = undefined;
    for (const s of sockets) if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  capabilities(): MediaCapabilities {
    const c = this.config;
    return {
      video: {
        available: this.video !== undefined,
        port: this.ports.video,
        rtcpPort: this.rtcp ? this.ports.video + 1 : 0,
        encoder: this.encoder,
        payloadType: H264_PAYLOAD_TYPE,
        srtpKey: this.videoKey,
        width: c.width,
        height: c.height,
        framerate: c.framerate,
      },
      audio: {
        available: this.audio !== undefined,
        port: this.ports.audio,
        codecs: [...c.audio_codecs],
        send: c.audio_source !== 'none',
      },
    };
  }

  addVideoDestination(id: string, dest: VideoDestination): void {
    if (!this.video) return this.warn(`no video: destination ${id} gets none`);
    this.guard('video', () => {
      this.video!.add(id, dest);
      this.rtcp?.add(id, { address: dest.address, port: dest.port }, dest.rtcp ?? { address: dest.address, port: dest.port + 1 }, dest.srtp);
    });
  }

  removeVideoDestination(id: string): void {
    if (!this.video) return;
    this.guard('video', () => {
      this.rtcp?.remove(id);
      this.video!.remove(id);
    });
  }

  addAudioDestination(id: string, params: TalkParams): void {
    if (!this.audio) return this.warn(`no audio: early audio to ${id} not started`);
    this.guard('audio', () => {
      if (!this.audio!.addEarly(id, params)) this.warn(`no early audio to ${params.address}:${params.port}: the microphone already sends another codec to the other ringing screens, or a talk is up`);
    });
  }

  removeAudioDestination(id: string): void {
    this.audio?.removeEarly(id);
  }

  startTalk(params: TalkParams): void {
    if (!this.audio) return this.warn('no audio: talk not started');
    if (!this.config.audio_codecs.includes(params.codec)) this.warn(`talk in ${params.codec}, which audio_codecs does not list`);
    this.guard('audio', () => this.audio!.start(params));
  }

  stopTalk(): void {
    if (this.audio) this.guard('audio', () => this.audio!.stop());
  }

  sendDtmf(digit: DtmfDigit, durationMs?: number): Promise<void> {
    if (!this.audio) return Promise.reject(new Error('no audio'));
    return this.audio.sendDtmf(digit, durationMs);
  }

  async snapshot(file: string): Promise<void> {
    if (!this.video) throw new Error('no video source');
    // Two snapshots at once on the one snapshot branch would close its valve under each other: one frame for both.
    const jpeg = await (this.jpeg ??= this.video.snapshot().finally(() => (this.jpeg = undefined)));
    if (!jpeg) throw new Error('no camera frame within 3 s');
    // Created, never replaced: an existing name, a link or a FIFO there fails at once (EEXIST/ELOOP), and
    // the open can never block a libuv pool thread on a FIFO nobody reads (issue 12 row 14).
    await writeFile(file, jpeg, { flag: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode: 0o640 });
  }

  stats(): MediaStats {
    const v = this.video?.stats();
    const a = this.audio?.stats();
    return {
      video: {
        running: v?.running ?? false,
        playing: v?.playing ?? false,
        encoder: this.encoder,
        payloadType: v?.payloadType ?? H264_PAYLOAD_TYPE,
        destinations: (v?.destinations ?? []).map((d) => ({ ...d, rtcpStats: this.rtcp?.stats(d.id) ?? { senderReports: 0, received: 0, pliReceived: 0, firReceived: 0 } })),
        failures: v?.failures ?? 0,
        keyFramesForced: v?.keyFramesForced ?? 0,
        keyFrameRequestsCoalesced: v?.keyFrameRequestsCoalesced ?? 0,
        rtcp: this.rtcp?.totals() ?? zeroRtcpTotals(),
      },
      audio: a ?? idleAudioStats(),
    };
  }

  private startVideo(has: (factory: string) => boolean): void {
    const c = this.config;
    this.encoder = pickEncoder(c.video_encoder, has);
    if (!this.encoder) {
      this.fail('video', c.video_encoder === 'auto' ? 'no H.264 encoder (v4l2h264enc, x264enc, openh264enc) in GStreamer' : `no GStreamer element "${c.video_encoder}"`);
      return;
    }
    let srtp: { mode: 'optional' | 'mandatory'; keyHex: string } | undefined;
    if (c.srtp !== 'off') {
      if (!has('srtpenc')) {
        if (c.srtp === 'mandatory') {
          this.fail('video', 'media.srtp is "mandatory" but GStreamer has no srtpenc (gst-plugins-bad): no video');
          return;
        }
        this.warn('no srtpenc in GStreamer (gst-plugins-bad): video is offered without SRTP');
      } else {
        // Per engine, not per call: srtpenc's key can be set only in the description (see MediaCapabilities.video.srtpKey).
        this.videoKey = newMasterKey();
        srtp = { mode: c.srtp, keyHex: masterKeyHex(this.videoKey) };
      }
    }
    try {
      this.video = new VideoSender({
        preroll: c.preroll,
        settings: {
          source: c.video_source,
          encoder: this.encoder,
          width: c.width,
          height: c.height,
          framerate: c.framerate,
          bitrateKbps: c.video_bitrate,
          payloadType: H264_PAYLOAD_TYPE,
          bindPort: this.ports.video,
          bindAddress: this.bindAddress,
          // Without gst-plugins-bad's watchdog a new screen waits for the next camera frame instead.
          newestFrame: has('watchdog'),
          srtp,
        },
      });
    } catch (e) {
      this.videoKey = undefined;
      this.fail('video', (e as Error).message);
      return;
    }
    this.video.on('up', () => {
      this.recovered('video');
      this.emit('video-playing');
    });
    this.video.on('down', (reason, retryInMs, attempt) => this.fail('video', reason, retryInMs, attempt));
    this.video.on('warning', (t) => this.warn(`video: ${t}`));
    this.log?.info(`video: ${c.video_source} ${c.width}x${c.height}@${c.framerate} H.264 by ${this.encoder}, ${srtp ? `SRTP (${c.srtp})` : 'RTP'} from port ${this.ports.video}, RTCP on ${this.ports.video + 1}`);
    this.startRtcp(this.video);
    this.video.enable();
  }

  private startRtcp(video: VideoSender): void {
    if (!this.rtcpSocket) return;
    this.rtcp = new VideoRtcp({
      socket: this.rtcpSocket,
      cname: this.cname,
      senderInfo: () => video.senderInfo(),
      intervalMs: this.opts.rtcpIntervalMs,
      // SRTCP (RFC 3711 §3.4) for SRTP destinations, under the same engine-long key as srtpenc's RTP (rtcp/video-srtcp.ts).
      srtcp: this.videoKey ? VideoSrtcp.create(this.videoKey) : undefined,
    });
    this.rtcp.on('warning', (t) => this.warn(`video: ${t}`));
    this.rtcp.on('key-frame-request', (id, kind) => {
      let outcome = 'failed';
      this.guard('video', () => {
        outcome = video.requestKeyFrame();
      });
      this.log?.debug(`video: ${kind.toUpperCase()} from ${id}: key frame ${outcome}`);
    });
  }

  private startAudio(): void {
    const c = this.config;
    this.audio = new AudioSession({ socket: this.socket!, source: c.audio_source, sink: c.audio_sink, echoCancel: c.echo_cancel });
    this.audio.on('dtmf', (d) => this.emit('dtmf', d));
    this.audio.on('up', () => this.recovered('audio'));
    this.audio.on('down', (reason, retryInMs, attempt) => this.fail('audio', reason, retryInMs, attempt));
    this.audio.on('warning', (t) => this.warn(`audio: ${t}`));
    // Built (and with preroll, playing) now, not at the first 183 (audio-session.ts prepare()); the first codec is the one we prefer.
    const codec = c.audio_codecs[0];
    if (codec) this.guard('audio', () => this.audio!.prepare(codec, c.preroll));
  }

  /** Runs a media call that may hit GStreamer; its error becomes an event. */
  private guard(component: MediaComponent, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.fail(component, e instanceof GstError ? e.message : `${(e as Error).message}`);
    }
  }

  private fail(component: MediaComponent, message: string, retryInMs?: number, attempt?: number): void {
    this.failing.add(component);
    this.log?.warn(`${component}: ${message}${retryInMs !== undefined ? `; retrying in ${retryInMs} ms` : ''}`);
    this.emit('error', { component, message, retryInMs, attempt });
  }

  private recovered(component: MediaComponent): void {
    if (!this.failing.delete(component)) return;
    this.log?.info(`${component}: running again`);
    this.emit('recovered', component);
  }

  private warn(text: string): void {
    this.log?.warn(text);
    this.emit('warning', text);
  }
}
