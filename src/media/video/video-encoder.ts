/**
 * Which H.264 encoder, and its settings. Every choice makes what every
 * screen decodes (LAB.md): constrained baseline, one slice per frame,
 * SPS/PPS before each IDR (the payloader repeats them), a key frame every
 * two seconds at most, so a screen that missed the forced one is not
 * black for long.
 */
export type EncoderFactory = 'v4l2h264enc' | 'x264enc' | 'openh264enc';

export const AUTO_ENCODERS: readonly EncoderFactory[] = ['v4l2h264enc', 'x264enc', 'openh264enc'];

export interface EncoderSettings {
  bitrateKbps: number;
  framerate: number;
}

/** `video_encoder = "auto"`: the first that exists; else the configured name. */
export function pickEncoder(configured: string, exists: (factory: string) => boolean): string | undefined {
  if (configured !== 'auto') return exists(configured) ? configured : undefined;
  return AUTO_ENCODERS.find((f) => exists(f));
}

/** The encoder's own key frame period in ms (its GOP: `key-int-max`, `gop-size`, `h264_i_frame_period` below). */
export function keyFramePeriodMs(framerate: number): number {
  return Math.round((gopFrames(framerate) / framerate) * 1000);
}

function gopFrames(framerate: number): number {
  return Math.max(1, Math.round(framerate * 2));
}

/**
 * Encoders that put SPS/PPS in front of every IDR themselves (x264enc in
 * byte-stream, v4l2h264enc with repeat_sequence_header): the payloader
 * must not add its own copy (`config-interval=0`), or every key frame
 * carries two (issue 14).
 */
export function headersInBand(factory: string): boolean {
  return factory === 'x264enc' || factory === 'v4l2h264enc';
}

/** The encoder and the caps right after it, named `venc` (force-key-unit goes upstream to it). */
export function encoderDescription(factory: string, s: EncoderSettings): string {
  const gop = gopFrames(s.framerate);
  const caps = 'video/x-h264,profile=constrained-baseline,stream-format=byte-stream';
  switch (factory) {
    case 'x264enc':
      // threads=1 with sliced-threads=false: one slice per frame without the 3-frame delay (LAB.md).
      // pass=qual: constant quality (CRF) capped at `bitrate` by the VBV, so a still door scene costs
      // a fraction of video_bitrate and motion gets up to all of it (CBR padded a still scene to 800 kbit/s).
      return (
        `x264enc name=venc tune=zerolatency speed-preset=ultrafast sliced-threads=false threads=1 ` +
        `key-int-max=${gop} pass=qual quantizer=23 bitrate=${s.bitrateKbps} aud=false ! ${caps}`
      );
    case 'openh264enc':
      return (
        `openh264enc name=venc usage-type=camera rate-control=bitrate complexity=low ` +
        `bitrate=${s.bitrateKbps * 1000} gop-size=${gop} multi-thread=1 slice-mode=n-slices num-slices=1 ! ${caps}`
      );
    case 'v4l2h264enc':
      // The Pi's encoder needs a level in the caps to negotiate; repeat_sequence_header puts SPS/PPS in-band.
      return (
        `v4l2h264enc name=venc extra-controls="controls,video_bitrate=${s.bitrateKbps * 1000},` +
        `h264_i_frame_period=${gop},repeat_sequence_header=1" ! ${caps},level=(string)4`
      );
    default:
      return `${factory} name=venc ! ${caps}`;
  }
}
