/**
 * The video sender as one launch description:
 *
 *   source ! scale/convert/rate ! tee ─ queue ! encoder ! rtph264pay ! multiudpsink (clients live)
 *                                     └ queue ! valve (closed) ! jpegenc ! appsink  (snapshots)
 *
 * One encoder for every destination: a new early dialog is one more
 * multiudpsink client plus a forced key frame, never a new pipeline.
 */
import { encoderDescription } from './video-encoder.js';
import { videoSourceDescription } from './video-source.js';

export interface VideoPipelineSettings {
  source: string;
  encoder: string;
  width: number;
  height: number;
  framerate: number;
  bitrateKbps: number;
  payloadType: number;
  /** Source port of our RTP: the port our SDP offers, so NATs and symmetric peers see one address. 0 = any. */
  bindPort: number;
  bindAddress: string;
}

export const VIDEO_NAMES = { pay: 'vpay', sink: 'vsink', snapValve: 'snapvalve', snapSink: 'snapsink' } as const;

export function videoPipelineDescription(s: VideoPipelineSettings): string {
  const raw = `video/x-raw,format=I420,width=${s.width},height=${s.height},framerate=${s.framerate}/1`;
  const bind = s.bindPort > 0 ? ` bind-port=${s.bindPort} bind-address=${s.bindAddress}` : '';
  return [
    `${videoSourceDescription(s.source)} ! videoconvert ! videoscale ! videorate ! ${raw} ! tee name=vtee`,
    // leaky: a slow encoder drops frames instead of stalling the snapshot branch (and the reverse).
    `vtee. ! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0`,
    `! ${encoderDescription(s.encoder, { bitrateKbps: s.bitrateKbps, framerate: s.framerate })}`,
    `! rtph264pay name=${VIDEO_NAMES.pay} config-interval=-1 pt=${s.payloadType} mtu=1200`,
    // async=false: with no client yet the sink must not hold the pipeline out of PLAYING.
    `! multiudpsink name=${VIDEO_NAMES.sink} clients="" sync=false async=false send-duplicates=false${bind}`,
    `vtee. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0`,
    `! valve name=${VIDEO_NAMES.snapValve} drop=true drop-mode=forward-sticky-events ! videoconvert ! jpegenc quality=85`,
    `! appsink name=${VIDEO_NAMES.snapSink} max-buffers=1 drop=true sync=false async=false`,
  ].join(' ');
}

/** multiudpsink's `clients` string; IPv6 literals need no brackets there (it splits at the last colon). */
export function clientsString(dests: Iterable<{ address: string; port: number }>): string {
  return [...dests].map((d) => `${d.address}:${d.port}`).join(',');
}
