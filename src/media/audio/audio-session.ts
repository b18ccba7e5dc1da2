/**
 * Two-way audio with the screen that answered, early audio to the ringing
 * ones before that (early-audio.ts: same stream; the talk replaces it,
 * keeping SSRC and sequence when the codec stays), and RFC 4733 DTMF both
 * ways. The RTP socket is ours (node dgram), not GStreamer's:
 * - symmetric RTP: we send from the port we receive on and that our SDP
 *   names (udpsrc and udpsink can't share a socket through this binding);
 * - telephone-events are read and written here, one stream with the audio,
 *   so no in-band tone detection and no rtpdtmfsrc (which needs custom
 *   events the binding can't send); packets count for call-stats;
 * - SRTP (RFC 3711, srtp/): every packet we send is protected, every packet
 *   we get authenticated before anything reads it; failures are counted
 *   and dropped, never thrown out of the socket handler;
 * - only the talk's peer is heard: audio from its address, telephone-events
 *   from its address AND the port its SDP names (RFC 4961); before the
 *   answer nothing received is played or read as a digit, so a ringing
 *   fork can neither be heard nor key the code; a press is remembered for
 *   the whole call (dtmf-event.ts), so a replayed code is no digit.
 * GStreamer does capture, echo cancelling, coding and playback
 * (audio-pipeline.ts), one cached pipeline per codec.
 *
 * That pipeline stays PLAYING from its first talk on, and a talk only
 * opens its capture valve: never cycle a pipeline through NULL, because
 * every NULL→PLAYING→NULL through gstreamer-superficial costs native
 * memory that is never given back, once per call (figures in
 * RELIABILITY.md, "Memory the GStreamer binding keeps"). Between talks the
 * valve keeps the canceller and encoder idle and nothing reaches the
 * playback branch. Per-call state the pipeline would otherwise need new
 * settings for is done here instead: incoming packets are rewritten into
 * one continuous stream with the pipeline's own payload type
 * (rtp-continuity.ts), so the appsrc caps are set once; the payloader's
 * `pt` is set only when it changes. Switching codec stops the other
 * codec's pipeline (both would want the one capture device).
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { AUDIO_NAMES, CODEC_CLOCK, audioPipelineDescription } from './audio-pipeline.js';
import type { DtmfDigit } from '../../dtmf.js';
import { DTMF_PRESSES_PER_CALL, DtmfDeduplicator } from './dtmf-event.js';
import { EarlyAudio } from './early-audio.js';
import { dtmfPacketPlan } from './dtmf-sender.js';
import { ManagedPipeline } from '../gst/managed-pipeline.js';
import { PipelineSupervisor } from '../gst/pipeline-supervisor.js';
import { RtpContinuity } from './rtp-continuity.js';
import { buildRtp, parseRtp, restampRtp } from '../rtp/rtp-packet.js';
import { isRtcp } from '../rtp/rtp-header.js';
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

interface CodecPipeline {
  pipeline: ManagedPipeline;
  supervisor: PipelineSupervisor;
  /** Incoming RTP as one stream, whatever the peers of successive talks send. */
  inbound: RtpContinuity;
  /** The payloader's `pt` as last set. */
  sendPt: number;
  /** A pull is pending on the appsink (one per pipeline run; it holds a threadpool thread). */
  pulling: boolean;
}

/** Payload type of the pipeline's fixed receive caps; every incoming packet is rewritten to it. */
const PIPELINE_PT: Record<AudioCodecName, number> = { opus: 111, PCMU: 0, PCMA: 8 };

let probeCounter = 0;

function zeroCounters() {
  return { packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0, packetsRejected: 0, dtmfSent: 0, dtmfReceived: 0, failures: 0 };
}

/** The stats when there is no audio session at all (the engine without audio). */
export function idleAudioStats(): AudioStats {
  return { talking: false, playing: false, ...zeroCounters(), srtp: false, srtpAuthFailures: 0, srtpReplays: 0 };
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
  private dedup = new DtmfDeduplicator();
  /** The call (TalkParams.session) the presses in `dedup` belong to. */
  private dedupSession: string | undefined;
  private dtmfQueue: Promise<void> = Promise.resolve();
  private srtp: SrtpSession | undefined;
  private stats_: Omit<AudioStats, 'talking' | 'playing' | 'codec' | 'remote' | 'srtp' | 'srtpAuthFailures' | 'srtpReplays'> = zeroCounters();

  constructor(private readonly opts: AudioSessionOptions) {
    super();
    opts.socket.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
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
    // Replay memory lasts the call: a re-INVITE (hold, resume, codec change) keeps it, a new call starts afresh.
    if (params.session === undefined || params.session !== this.dedupSession) {
      this.dedup = new DtmfDeduplicator();
      this.dedupSession = params.session;
    }
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
    if (this.current) this.closeValve(this.current);
  }

  /** The codec's pipeline running with its valve open; a new SSRC and sequence when `fresh`. */
  private open(params: TalkParams, fresh: boolean): void {
    const cp = this.pipelineFor(params.codec);
    if (this.current && this.current !== cp) this.closeValve(this.current);
    // Another codec's pipeline: stopped, so the capture device is free for this one.
    if (this.current && this.current !== cp) this.current.supervisor.stop();
    this.generation++;
    this.current = cp;
    if (fresh) {
      this.ssrc = randomInt(1, 0xffffffff);
      this.seq = randomInt(0, 0xffff);
      this.lastAudioTs = undefined;
      this.stats_ = zeroCounters();
      cp.inbound.restart();
    }
    // Payload types are the peer's; a number set costs nothing in the binding, but only a change needs one.
    if (this.opts.source !== 'none' && cp.sendPt !== params.payloadType) {
      cp.pipeline.element(AUDIO_NAMES.pay).set('pt', params.payloadType);
      cp.sendPt = params.payloadType;
    }
    if (this.opts.source !== 'none') cp.pipeline.element(AUDIO_NAMES.mic).set('drop', false);
    // Already PLAYING from an earlier talk: no new 'up' comes, so the pull starts here.
    cp.supervisor.start();
    if (cp.pipeline.playing) this.pullLoop(cp);
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
      if (this.current) this.closeValve(this.current);
    }
  }

  private endTalk(): void {
    this.generation++;
    this.talk = undefined;
    this.srtp = undefined;
    if (this.current) this.closeValve(this.current);
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

  private pipelineFor(codec: AudioCodecName): CodecPipeline {
    let cp = this.pipelines.get(codec);
    if (cp) return cp;
    const pt = PIPELINE_PT[codec];
    const pipeline = new ManagedPipeline(
      audioPipelineDescription({
        codec,
        payloadType: pt,
        source: this.opts.source,
        sink: this.opts.sink,
        echoCancel: this.opts.echoCancel,
        probeName: `doorstation_aec${probeCounter++}`,
      }),
    );
    const supervisor = new PipelineSupervisor(pipeline);
    cp = { pipeline, supervisor, inbound: new RtpContinuity({ clockRate: CODEC_CLOCK[codec], payloadType: pt, ssrc: randomInt(1, 0xffffffff) }), sendPt: pt, pulling: false };
    const self = cp;
    supervisor.on('up', () => {
      if (this.current !== self) return;
      this.emit('up');
      this.pullLoop(self);
    });
    supervisor.on('down', (reason, retry, attempt) => {
      if (this.current !== self) return;
      this.stats_.failures++;
      this.emit('down', reason, retry, attempt);
    });
    supervisor.on('warning', (t) => this.emit('warning', t));
    this.pipelines.set(codec, cp);
    return cp;
  }

  private closeValve(cp: CodecPipeline): void {
    if (this.opts.source !== 'none') cp.pipeline.element(AUDIO_NAMES.mic).set('drop', true);
  }

  /**
   * Encoded packets from the pipeline to the peer, one pull at a time, for
   * as long as the pipeline runs (a stop ends the pending pull with null).
   * It goes on between talks: what the appsink still held when the valve
   * closed comes at once and is dropped, then the pull waits (holding one
   * threadpool thread) for the next talk's first packet.
   */
  private pullLoop(cp: CodecPipeline): void {
    if (cp.pulling || this.opts.source === 'none') return;
    const sink = cp.pipeline.appSink(AUDIO_NAMES.out);
    cp.pulling = true;
    const next = () =>
      sink.pull((buf) => {
        if (!buf) {
          cp.pulling = false;
          // Restarted (supervisor) while this pull ended: the new run needs its own loop.
          if (this.current === cp && cp.pipeline.playing) this.pullLoop(cp);
          return;
        }
        if ((this.talk || this.early.size > 0) && this.current === cp) this.sendAudio(buf);
        next();
      });
    next();
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

  private onPacket(msg: Buffer, rinfo: RemoteInfo): void {
    const talk = this.talk;
    // Before the answer nothing is read: a ringing fork is neither heard nor able to key a digit.
    if (!talk) return;
    // Only the peer we talk to: DTMF opens the door, so nobody else gets heard.
    if (stripV4Mapped(rinfo.address) !== stripV4Mapped(talk.address)) {
      this.stats_.packetsRejected++;
      return;
    }
    let packet = msg;
    if (this.srtp) {
      // SRTCP under rtcp-mux is not ours to read here (RFC 5761 §4); it must not count as a failed SRTP tag either.
      if (isRtcp(msg)) return;
      // RFC 3711 §3.3: authenticate (and check replay) before anything reads the payload.
      const plain = this.srtp.unprotectRtp(msg);
      if (!plain) return;
      packet = plain;
    }
    const rtp = parseRtp(packet);
    if (!rtp) return;
    this.stats_.packetsReceived++;
    this.stats_.bytesReceived += msg.length;
    if (talk.dtmf && rtp.payloadType === talk.dtmf.payloadType) {
      // A digit only from the port its SDP names (symmetric RTP, RFC 4961), not any port of its IP (issue 12 row 19).
      if (rinfo.port !== talk.port) {
        this.stats_.packetsRejected++;
        return;
      }
      const digit = this.dedup.accept(rtp.ssrc, rtp.timestamp, rtp.payload);
      if (digit) {
        this.stats_.dtmfReceived++;
        this.emit('dtmf', digit);
      } else if (this.dedup.refused === 1) this.emit('warning', `${this.dedup.refused} RFC 4733 press refused: this call already had ${DTMF_PRESSES_PER_CALL}`);
      return;
    }
    if (rtp.payloadType !== talk.payloadType) return;
    const cp = this.current;
    if (cp?.pipeline.playing && cp.inbound.rewrite(packet)) cp.pipeline.appSrc(AUDIO_NAMES.in).push(packet);
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

function stripV4Mapped(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
