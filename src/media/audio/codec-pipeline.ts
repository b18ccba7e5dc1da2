/**
 * One codec's running talk pipeline (audio-pipeline.ts describes it) as
 * the audio session keeps it: built once, left PLAYING behind its capture
 * valve, and drained of encoded packets by one pull at a time.
 *
 * Never cycle a pipeline through NULL: every NULL→PLAYING→NULL through
 * gstreamer-superficial costs native memory that is never given back,
 * once per call (figures in RELIABILITY.md, "Memory the GStreamer binding
 * keeps"). So a talk only opens the valve, and per-call settings are kept
 * out of the pipeline: incoming packets are rewritten into one continuous
 * stream with the pipeline's own payload type (rtp-continuity.ts), so the
 * appsrc caps are set once; the payloader's `pt` is set only when it
 * changes.
 */
import { randomInt } from 'node:crypto';
import { AUDIO_NAMES, CODEC_CLOCK, audioPipelineDescription } from './audio-pipeline.js';
import { ManagedPipeline } from '../gst/managed-pipeline.js';
import { PipelineSupervisor } from '../gst/pipeline-supervisor.js';
import { RtpContinuity } from './rtp-continuity.js';
import type { AudioCodecName } from '../media-engine.js';

export interface CodecPipeline {
  pipeline: ManagedPipeline;
  supervisor: PipelineSupervisor;
  /** Incoming RTP as one stream, whatever the peers of successive talks send. */
  inbound: RtpContinuity;
  /** The payloader's `pt` as last set. */
  sendPt: number;
  /** A pull is pending on the appsink (one per pipeline run; it holds a threadpool thread). */
  pulling: boolean;
}

export interface AudioDevices {
  /** `test` | `alsa:DEVICE` | `none` (no microphone: no valve, no payloader, nothing to pull) */
  source: string;
  sink: string;
  echoCancel: boolean;
}

/** Payload type of the pipeline's fixed receive caps; every incoming packet is rewritten to it. */
const PIPELINE_PT: Record<AudioCodecName, number> = { opus: 111, PCMU: 0, PCMA: 8 };

let probeCounter = 0;

/** Builds (does not start) the codec's pipeline. Throws GstError if it can't be built. */
export function buildCodecPipeline(codec: AudioCodecName, devices: AudioDevices): CodecPipeline {
  const pt = PIPELINE_PT[codec];
  const pipeline = new ManagedPipeline(
    audioPipelineDescription({
      codec,
      payloadType: pt,
      source: devices.source,
      sink: devices.sink,
      echoCancel: devices.echoCancel,
      probeName: `doorstation_aec${probeCounter++}`,
    }),
  );
  const supervisor = new PipelineSupervisor(pipeline);
  const inbound = new RtpContinuity({ clockRate: CODEC_CLOCK[codec], payloadType: pt, ssrc: randomInt(1, 0xffffffff) });
  return { pipeline, supervisor, inbound, sendPt: pt, pulling: false };
}

/** Opens the capture valve, sending with the peer's payload type. */
export function openValve(cp: CodecPipeline, source: string, payloadType: number): void {
  if (source === 'none') return;
  // Payload types are the peer's; a number set costs nothing in the binding, but only a change needs one.
  if (cp.sendPt !== payloadType) {
    cp.pipeline.element(AUDIO_NAMES.pay).set('pt', payloadType);
    cp.sendPt = payloadType;
  }
  cp.pipeline.element(AUDIO_NAMES.mic).set('drop', false);
}

/** Closes the capture valve: the canceller and encoder go idle, the pipeline stays PLAYING. */
export function closeValve(cp: CodecPipeline, source: string): void {
  if (source !== 'none') cp.pipeline.element(AUDIO_NAMES.mic).set('drop', true);
}

export interface PullTarget {
  /** The pipeline is still the one the session keeps running. */
  owns(cp: CodecPipeline): boolean;
  /** One encoded packet; the target decides whether anyone gets it. */
  deliver(cp: CodecPipeline, buf: Buffer): void;
}

/**
 * Encoded packets from the pipeline to the peer, one pull at a time, for
 * as long as the pipeline runs (a stop ends the pending pull with null).
 * It goes on between talks: what the appsink still held when the valve
 * closed comes at once and is dropped, then the pull waits (holding one
 * threadpool thread) for the next talk's first packet.
 */
export function pullLoop(cp: CodecPipeline, source: string, target: PullTarget): void {
  if (cp.pulling || source === 'none') return;
  const sink = cp.pipeline.appSink(AUDIO_NAMES.out);
  cp.pulling = true;
  const next = () =>
    sink.pull((buf) => {
      if (!buf) {
        cp.pulling = false;
        // Restarted (supervisor) while this pull ended: the new run needs its own loop.
        if (target.owns(cp) && cp.pipeline.playing) pullLoop(cp, source, target);
        return;
      }
      target.deliver(cp, buf);
      next();
    });
  next();
}
