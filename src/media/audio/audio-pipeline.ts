/**
 * The talk pipeline for one codec, as a launch description. RTP itself
 * goes through a node socket (audio-session.ts), so the one port we
 * receive on is the one we send from (symmetric RTP) and telephone-events
 * are ours to read and write:
 *
 *   mic ! valve "amic" ! [webrtcdsp] ! encoder ! payloader ! appsink "rtpout"   -> socket
 *   socket -> appsrc "rtpin" ! rtpjitterbuffer ! depay ! decoder ! [webrtcechoprobe] ! speaker
 *
 * Both directions share a pipeline so the echo canceller and its probe
 * run on one clock. The pipeline stays PLAYING between talks (see
 * codec-pipeline.ts): the valve, closed between talks, keeps the canceller
 * and the encoder idle then; the capture device stays open.
 */
import type { AudioCodecName } from '../media-engine.js';

export interface AudioPipelineSettings {
  codec: AudioCodecName;
  payloadType: number;
  /** `test` | `alsa:DEVICE` | `none` */
  source: string;
  /** `fake` | `alsa:DEVICE` */
  sink: string;
  echoCancel: boolean;
  /** Unique per pipeline: webrtcdsp finds its probe by name, process-wide. */
  probeName: string;
}

export const AUDIO_NAMES = { pay: 'apay', out: 'rtpout', in: 'rtpin', mic: 'amic' } as const;

export const CODEC_CLOCK: Record<AudioCodecName, number> = { opus: 48000, PCMU: 8000, PCMA: 8000 };

const ENCODING_NAME: Record<AudioCodecName, string> = { opus: 'OPUS', PCMU: 'PCMU', PCMA: 'PCMA' };

/** Caps of the RTP we receive for this codec (the appsrc's; the payload type changes per call). */
export function rtpCaps(codec: AudioCodecName, payloadType: number): string {
  return `application/x-rtp,media=audio,clock-rate=${CODEC_CLOCK[codec]},encoding-name=${ENCODING_NAME[codec]},payload=${payloadType}`;
}

function captureHead(source: string, rate: number): string {
  // 20 ms buffers: one per packet, no payloader re-chunking. sine-table: the same tone from a table
  // instead of sin() per sample (issue 14: a little less idle CPU; the live loop of 50 buffers a second
  // behind the closed valve, ≈ 0.5 % of a core on the bench's box, is the rest).
  if (source === 'test') return `audiotestsrc is-live=true wave=sine-table freq=440 volume=0.2 samplesperbuffer=${rate / 50}`;
  if (source.startsWith('alsa:')) return `alsasrc device="${source.slice(5).replace(/["\\]/g, '')}" buffer-time=80000 latency-time=20000`;
  throw new Error(`unknown audio source "${source}"`);
}

function playbackTail(sink: string): string {
  if (sink === 'fake') return 'fakesink sync=true async=false';
  if (sink.startsWith('alsa:')) return `alsasink device="${sink.slice(5).replace(/["\\]/g, '')}" buffer-time=80000 latency-time=20000 async=false`;
  throw new Error(`unknown audio sink "${sink}"`);
}

export function audioPipelineDescription(s: AudioPipelineSettings): string {
  // The canceller works at 48k for Opus and 16k for G.711 (wideband processing, then down to 8k).
  const dspRate = s.codec === 'opus' ? 48000 : 16000;
  const dspCaps = `audio/x-raw,format=S16LE,rate=${dspRate},channels=1,layout=interleaved`;
  const parts: string[] = [];

  if (s.source !== 'none') {
    const dsp = s.echoCancel
      ? `! webrtcdsp probe=${s.probeName} echo-cancel=true noise-suppression=true gain-control=true ! audioconvert ! audioresample `
      : '';
    const encode =
      s.codec === 'opus'
        ? `opusenc bitrate=32000 frame-size=20 inband-fec=true audio-type=voice ! rtpopuspay name=${AUDIO_NAMES.pay} pt=${s.payloadType}`
        : `audio/x-raw,rate=8000,channels=1 ! ${s.codec === 'PCMU' ? 'mulawenc' : 'alawenc'} ! ` +
          `${s.codec === 'PCMU' ? 'rtppcmupay' : 'rtppcmapay'} name=${AUDIO_NAMES.pay} pt=${s.payloadType} min-ptime=20000000 max-ptime=20000000`;
    parts.push(
      `${captureHead(s.source, dspRate)} ! valve name=${AUDIO_NAMES.mic} drop=true drop-mode=forward-sticky-events ! audioconvert ! audioresample ! ${dspCaps} ${dsp}! audioconvert ! audioresample ! ${encode}`,
      `! appsink name=${AUDIO_NAMES.out} max-buffers=25 drop=true sync=false async=false`,
    );
  }

  const decode =
    s.codec === 'opus'
      ? 'rtpopusdepay ! opusdec plc=true'
      : s.codec === 'PCMU'
        ? 'rtppcmudepay ! mulawdec'
        : 'rtppcmadepay ! alawdec';
  const probe = s.echoCancel && s.source !== 'none' ? `! audioconvert ! audioresample ! ${dspCaps} ! webrtcechoprobe name=${s.probeName} ` : '';
  parts.push(
    `appsrc name=${AUDIO_NAMES.in} is-live=true format=time do-timestamp=true max-bytes=20000 block=false caps="${rtpCaps(s.codec, s.payloadType)}"`,
    `! rtpjitterbuffer latency=60 do-lost=true ! ${decode} ${probe}! audioconvert ! audioresample ! ${playbackTail(s.sink)}`,
  );
  return parts.join(' ');
}
