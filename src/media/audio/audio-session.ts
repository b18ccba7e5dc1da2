/**
 * Two-way audio with the screen that answered, early audio to the ringing
 * ones before that (early-audio.ts: same stream; the talk replaces it,
 * keeping SSRC and sequence when the codec stays), and RFC 4733 DTMF both
 * ways. This file keeps the session's state and its public API, and sends;
 * the incoming path is audio-receiver.ts, the per-codec pipelines
 * codec-pipeline.ts. The RTP socket is ours (node dgram), not GStreamer's:
 * - symmetric RTP: we send from the port we receive on and that our SDP
 *   names (udpsrc and udpsink can't share a socket through this binding);
 * - telephone-events are read and written here, one stream with the audio,
 *   so no in-band tone detection and no rtpdtmfsrc (which needs custom
 *   events the binding can't send); packets count for call-stats;
 * - SRTP (RFC 3711, srtp/): every packet we send is protected, every packet
 *   we get authenticated before anything reads it (audio-receiver.ts).
 * GStreamer does capture, echo cancelling, coding and playback
 * (audio-pipeline.ts), one cached pipeline per codec.
 *
 * That pipeline stays PLAYING from its first talk on, and a talk only
 * opens its capture valve (codec-pipeline.ts says why). Between talks the
 * valve keeps the canceller and encoder idle and nothing reaches the
 * playback branch. Switching codec stops the other codec's pipeline (both
 * would want the one capture device).
 */
import type { Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { AUDIO_NAMES, CODEC_CLOCK } from './audio-pipeline.js';
import { AudioReceiver, type ReceiverHost } from './audio-receiver.js';
import { type CodecPipeline, buildCodecPipeline, closeValve, openValve, pullLoop } from './codec-pipeline.js';
import type { DtmfDigit } from '../../dtmf.js';
import { EarlyAudio } from './early-audio.js';
import { zeroAudioCounters } from '../idle-media.js';
import { dtmfPacketPlan } from './dtmf-sender.js';
import { buildRtp, restampRtp } from '../rtp/rtp-packet.js';
import { SrtpSession } from '../srtp/srtp-session.js';
import { TypedEmitter } from '../../events/typed-emitter.js';
import type { AudioCodecName, AudioStats, TalkParams } from '../media-engine.js';

export interface AudioSessionEvents extends Record<string, unknown[]> {
  dtmf: [digit: DtmfDigit];
  up: [];
  down: [reason: string, retryInMs: number, attempt: number];
  warning: [text: string];
}

export interface AudioSessionOptions {
  socket: Socket;
  source: string;
  sink: string;
  echoCancel: boolean;
}

export class AudioSession extends TypedEmitter<AudioSessionEvents> {
  private readonly pipelines = new Map<AudioCodecName, CodecPipeline>();
  private talk: TalkParams | undefined;
  /** Ringing screens that get the microphone, until the talk starts. */
  private readonly early = new EarlyAudio();
  /** The pipeline kept running (the last talk's codec), talking or not. */
  private current: CodecPipeline | undefined;
  /** Bumped per talk: DTMF timers of an earlier talk find it changed and stop. */
  private generation = 0;
  private ssrc = 0;
  private seq = 0;
  private lastAudioTs: number | undefined;
  private lastAudioAt = 0;
  private readonly receiver: AudioReceiver;
  private dtmfQueue: Promise<void> = Promise.resolve();
  private srtp: SrtpSession | undefined;
  private stats_: Omit<AudioStats, 'talking' | 'playing' | 'codec' | 'remote' | 'srtp' | 'srtpAuthFailures' | 'srtpReplays'> = zeroAudioCounters();

  constructor(private readonly opts: AudioSessionOptions) {
    super();
    this.receiver = new AudioReceiver(this.receiverHost());
    opts.socket.on('message', (msg, rinfo) => this.receiver.onPacket(msg, rinfo));
  }

  /** Starts (or retargets) the talk. Throws GstError if the codec's pipeline can't be built, or Error for unusable SRTP keys. */
  start(params: TalkParams): void {
    // Keys first: a talk that should be SRTP must never start in the clear.
    const srtp = params.srtp ? SrtpSession.create(params.srtp) : undefined;
    if (params.srtp && !srtp) throw new Error('SRTP keys are not AES_CM_128 key||salt: talk not started');
    // The screen that answered heard our early audio: same codec, same stream (SSRC and sequence go on).
    const continues = this.early.size > 0 && this.current !== undefined && this.pipelines.get(params.codec) === this.current;
    this.early.clear();
    if (this.talk) this.endTalk();
    this.open(params, !continues);
    this.talk = params;
    this.srtp = srtp;
    this.receiver.talkStarted(params.session);
  }

  /**
   * Early audio to one more ringing screen (send only). False, and nothing
   * sent, when a talk is up or the microphone already encodes another
   * codec for the other screens (one encoder); throws like start().
   */
  addEarly(id: string, params: TalkParams): boolean {
    if (this.talk) return false;
    const added = this.early.add(id, params);
    try {
      if (added === 'first') this.open(params, true);
    } catch (e) {
      this.early.remove(id);
      throw e;
    }
    return added !== 'other-codec';
  }

  /** That screen gets no more early audio; the microphone closes when it was the last and nobody talks. */
  removeEarly(id: string): void {
    if (!this.early.remove(id) || this.talk) return;
    this.generation++;
    if (this.current) closeValve(this.current, this.opts.source);
  }

  /** The codec's pipeline running with its valve open; a new SSRC and sequence when `fresh`. */
  private open(params: TalkParams, fresh: boolean): void {
    const cp = this.pipelineFor(params.codec);
    if (this.current && this.current !== cp) closeValve(this.current, this.opts.source);
    // Another codec's pipeline: stopped, so the capture device is free for this one.
    if (this.current && this.current !== cp) this.current.supervisor.stop();
    this.generation++;
    this.current = cp;
    if (fresh) {
      this.ssrc = randomInt(1, 0xffffffff);
      this.seq = randomInt(0, 0xffff);
      this.lastAudioTs = undefined;
      this.stats_ = zeroAudioCounters();
      cp.inbound.restart();
    }
    openValve(cp, this.opts.source, params.payloadType);
    // Already PLAYING from an earlier talk: no new 'up' comes, so the pull starts here.
    cp.supervisor.start();
    if (cp.pipeline.playing) this.startPulling(cp);
  }

  /**
   * Builds the codec's pipeline and plays it behind its closed valve, before
   * any call (the engine's start): a 183 or 200 then only opens the valve,
   * instead of parsing and starting a pipeline on the signalling path
   * (tens of ms, which also held back the video of forks answering then).
   * With `play` false (media.preroll off: nothing runs between calls) it is
   * only built, and the first talk starts it. Throws GstError if the
   * pipeline can't be built.
   */
  prepare(codec: AudioCodecName, play: boolean): void {
    if (this.current) return;
    const cp = this.pipelineFor(codec);
    if (!play) return;
    this.current = cp;
    cp.supervisor.start();
  }

  /** Ends the talk and any early audio; the pipeline goes on idle (see top). */
  stop(): void {
    const early = this.early.size > 0;
    this.early.clear();
    if (this.talk) this.endTalk();
    else if (early) {
      this.generation++;
      if (this.current) closeValve(this.current, this.opts.source);
    }
  }

  private endTalk(): void {
    this.generation++;
    this.talk = undefined;
    this.srtp = undefined;
    if (this.current) closeValve(this.current, this.opts.source);
  }

  /** Ends the talk and stops the pipeline (the engine is stopping). */
  close(): void {
    this.stop();
    this.current?.supervisor.stop();
    this.current = undefined;
  }

  get talking(): boolean {
    return this.talk !== undefined;
  }

  /** Sends one key press; resolves when its last packet is out. Presses queue one after another. */
  sendDtmf(digit: DtmfDigit, durationMs = 100): Promise<void> {
    const next = this.dtmfQueue.then(() => this.sendOneDtmf(digit, durationMs));
    this.dtmfQueue = next.catch(() => undefined);
    return next;
  }

  stats(): AudioStats {
    return {
      talking: this.talking,
      playing: this.talking && (this.current?.pipeline.playing ?? false),
      codec: this.talk?.codec,
      remote: this.talk ? `${this.talk.address}:${this.talk.port}` : undefined,
      ...this.stats_,
      earlyDestinations: this.early.size,
      srtp: this.srtp !== undefined,
      srtpAuthFailures: this.srtp?.stats().authFailures ?? 0,
      srtpReplays: this.srtp?.stats().replays ?? 0,
    };
  }

  /** The codec's cached pipeline, built on first use and wired to this session's events. */
  private pipelineFor(codec: AudioCodecName): CodecPipeline {
    const cached = this.pipelines.get(codec);
    if (cached) return cached;
    const cp = buildCodecPipeline(codec, this.opts);
    cp.supervisor.on('up', () => {
      if (this.current !== cp) return;
      this.emit('up');
      this.startPulling(cp);
    });
    cp.supervisor.on('down', (reason, retry, attempt) => {
      if (this.current !== cp) return;
      this.stats_.failures++;
      this.emit('down', reason, retry, attempt);
    });
    cp.supervisor.on('warning', (t) => this.emit('warning', t));
    this.pipelines.set(codec, cp);
    return cp;
  }

  /** Starts the pull (codec-pipeline.ts); packets go out only while someone listens and the pipeline is still ours. */
  private startPulling(cp: CodecPipeline): void {
    pullLoop(cp, this.opts.source, {
      owns: (c) => this.current === c,
      deliver: (c, buf) => {
        // sendAudio drops it when there is neither a talk nor a ringing screen.
        if (this.current === c) this.sendAudio(buf);
      },
    });
  }

  private sendAudio(buf: Buffer): void {
    const talk = this.talk;
    if ((!talk && this.early.size === 0) || buf.length < 12) return;
    this.lastAudioTs = buf.readUInt32BE(4);
    this.lastAudioAt = performance.now();
    restampRtp(buf, this.seq++, this.ssrc);
    if (talk) return this.send(buf, talk, this.srtp);
    this.early.fanOut(buf, (packet, to, srtp) => this.send(packet, to, srtp));
  }

  private send(plain: Buffer, talk: TalkParams, srtp: SrtpSession | undefined): void {
    const buf = srtp ? srtp.protectRtp(plain) : plain;
    if (!buf) return;
    this.stats_.packetsSent++;
    this.stats_.bytesSent += buf.length;
    this.opts.socket.send(buf, talk.port, talk.address, (err) => {
      if (err) this.emit('warning', `audio send to ${talk.address}:${talk.port}: ${err.message}`);
    });
  }

  /** The session as the receiver sees it (a narrow view, so audio-receiver.ts needs no import of this file). */
  private receiverHost(): ReceiverHost {
    return {
      state: () => ({ talk: this.talk, srtp: this.srtp, counters: this.stats_ }),
      play: (packet) => {
        const cp = this.current;
        if (cp?.pipeline.playing && cp.inbound.rewrite(packet)) cp.pipeline.appSrc(AUDIO_NAMES.in).push(packet);
      },
      dtmf: (digit) => this.emit('dtmf', digit),
      warning: (text) => this.emit('warning', text),
    };
  }

  private async sendOneDtmf(digit: DtmfDigit, durationMs: number): Promise<void> {
    const talk = this.talk;
    if (!talk?.dtmf) throw new Error(talk ? 'the peer did not agree to telephone-event' : 'no call with audio');
    const { payloadType, clockRate } = talk.dtmf;
    const gen = this.generation;
    const start = performance.now();
    const audioRate = CODEC_CLOCK[talk.codec];
    // One stream: the event's timestamp continues the audio's clock when they share a rate.
    const timestamp =
      this.lastAudioTs !== undefined && audioRate === clockRate
        ? (this.lastAudioTs + Math.round(((start - this.lastAudioAt) * clockRate) / 1000)) >>> 0
        : randomInt(0, 0xffffffff);
    for (const p of dtmfPacketPlan(digit, durationMs, clockRate)) {
      const wait = start + p.atMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (gen !== this.generation || !this.talk) throw new Error('call ended while sending DTMF');
      this.send(buildRtp({ marker: p.marker, payloadType, sequence: this.seq++, timestamp, ssrc: this.ssrc }, p.payload), this.talk, this.srtp);
    }
    this.stats_.dtmfSent++;
    // RFC 4733 leaves a gap between presses; 40 ms lets any receiver see two.
    await new Promise((r) => setTimeout(r, 40));
  }
}
