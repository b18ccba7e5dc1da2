/**
 * The video sender as one launch description:
 *
 *   source ! scale/convert/rate ! tee ─ valve ! queue ! funnel ! encoder ! rtph264pay ! multiudpsink (clients live)
 *                                     │              appsrc ┘   (the newest frame, pushed again)
 *                                     ├ appsink (keeps the newest frame, nobody pulls)
 *                                     └ valve (closed) ! queue ! jpegenc ! appsink  (snapshots)
 *
 * The encoder's valve is open only while there is a destination: a
 * prerolled camera with nobody ringing costs the camera alone, never an
 * encode (issue 14: x264 was 2/3 of the idle CPU). Each valve sits before
 * its queue, so a closed branch drops in the camera's thread and its queue
 * thread sleeps; `forward-sticky-events` keeps caps flowing, so the encoder
 * is configured and the first frame after opening is encoded at once.
 *
 * A new screen should not wait for the next camera frame (up to 67 ms at
 * 15 fps): the `vnewest` appsink holds the newest frame (one, dropping the
 * older; holding costs a reference, not a copy), and the sender pulls it and
 * pushes it through the `vnewin` appsrc into the encoder right after asking
 * for a key frame, so the key frame is that frame, encoded at once. The
 * funnel does not re-send sticky events on each switch (the caps are the
 * same), or the encoder would reconfigure. A funnel posts EOS only when all
 * its inputs ended, and the appsrc never ends: a camera that ends or stalls
 * is seen by the `watchdog` on the newest-frame branch instead (an error
 * after WATCHDOG_MS without a frame; camera frames flow whenever the
 * pipeline plays, call or not).
 *
 * One encoder for every destination: a new early dialog is one more
 * multiudpsink client plus a forced key frame, never a new pipeline.
 *
 * With SRTP the payloader feeds `srtpenc` (libsrtp, AES_CM_128_HMAC_SHA1_80)
 * and a second multiudpsink for the screens that took our key; with
 * "optional" a tee keeps a plain sink as well, for screens that answered
 * without a=crypto:
 *
 *   rtph264pay ! tee ─ srtpenc ! multiudpsink vsrtpsink (bound to our port)
 *                    └ multiudpsink vsink (plain; optional only, any source port)
 *
 * One key and one SSRC for every screen is sound: each screen is a
 * separate receiver of the same sender context (RFC 3711 §3.2.3 forbids
 * two senders sharing a key with the same SSRC, not two receivers). After a
 * restart rtph264pay draws a new random SSRC, so the keystream of a
 * restarted (reset) srtpenc never repeats an earlier one (§9.1).
 */
import { encoderDescription, headersInBand } from './video-encoder.js';
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
  /**
   * Re-push the newest camera frame for a key frame at once (see top); needs
   * `watchdog` (gst-plugins-bad), which the engine checks for.
   */
  newestFrame?: boolean;
  /** SRTP for screens that took our key: the mode, and key||salt as hex (srtpenc's `key`). Absent = plain RTP only. */
  srtp?: { mode: 'optional' | 'mandatory'; keyHex: string };
}

export const VIDEO_NAMES = { encValve: 'encvalve', newest: 'vnewest', newestIn: 'vnewin', watchdog: 'vwatch', pay: 'vpay', sink: 'vsink', srtpSink: 'vsrtpsink', snapValve: 'snapvalve', snapSink: 'snapsink' } as const;

/** No camera frame for this long (a camera that ended, stalled or went away; a slow one's first frame takes 1-2 s): restart. */
export const WATCHDOG_MS = 5000;

/** Which multiudpsinks a description has: plain, SRTP, or both. */
export function videoSinks(s: Pick<VideoPipelineSettings, 'srtp'>): { plain: boolean; srtp: boolean } {
  return { plain: s.srtp?.mode !== 'mandatory', srtp: s.srtp !== undefined };
}

export function videoPipelineDescription(s: VideoPipelineSettings): string {
  const raw = `video/x-raw,format=I420,width=${s.width},height=${s.height},framerate=${s.framerate}/1`;
  const bind = s.bindPort > 0 ? ` bind-port=${s.bindPort} bind-address=${s.bindAddress}` : '';
  return [
    `${videoSourceDescription(s.source)} ! videoconvert ! videoscale ! videorate ! ${raw} ! tee name=vtee`,
    // leaky: a slow encoder drops frames instead of stalling the snapshot branch (and the reverse).
    `vtee. ! valve name=${VIDEO_NAMES.encValve} drop=true drop-mode=forward-sticky-events`,
    `! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 max-size-time=0`,
    ...(s.newestFrame ? ['! funnel name=vfunnel forward-sticky-events=false'] : []),
    `! ${encoderDescription(s.encoder, { bitrateKbps: s.bitrateKbps, framerate: s.framerate })}`,
    `! rtph264pay name=${VIDEO_NAMES.pay} config-interval=${headersInBand(s.encoder) ? 0 : -1} pt=${s.payloadType} mtu=1200`,
    ...rtpOutput(s, bind),
    `vtee. ! valve name=${VIDEO_NAMES.snapValve} drop=true drop-mode=forward-sticky-events`,
    `! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! videoconvert ! jpegenc quality=85`,
    `! appsink name=${VIDEO_NAMES.snapSink} max-buffers=1 drop=true sync=false async=false`,
    ...(s.newestFrame
      ? [
          `appsrc name=${VIDEO_NAMES.newestIn} format=time is-live=true do-timestamp=true max-buffers=1 leaky-type=downstream caps="${raw}" ! vfunnel.`,
          `vtee. ! watchdog name=${VIDEO_NAMES.watchdog} timeout=${WATCHDOG_MS}`,
          `! appsink name=${VIDEO_NAMES.newest} max-buffers=1 drop=true sync=false async=false enable-last-sample=false`,
        ]
      : []),
  ].join(' ');
}

function rtpOutput(s: VideoPipelineSettings, bind: string): string[] {
  // async=false: with no client yet the sink must not hold the pipeline out of PLAYING.
  const sink = (name: string, b: string) => `multiudpsink name=${name} clients="" sync=false async=false send-duplicates=false${b}`;
  if (!s.srtp) return [`! ${sink(VIDEO_NAMES.sink, bind)}`];
  // RFC 4568 §6.2.1 AES_CM_128_HMAC_SHA1_80 for RTP and RTCP alike.
  const enc = `srtpenc key=${s.srtp.keyHex} rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80`;
  if (s.srtp.mode === 'mandatory') return [`! ${enc} ! ${sink(VIDEO_NAMES.srtpSink, bind)}`];
  // Only one sink can bind our port; SRTP, the one we prefer, gets it. The queue is needed:
  // gst_parse cannot link tee's request pad straight to srtpenc's request pad.
  const q = 'queue max-size-buffers=16 max-size-bytes=0 max-size-time=0 leaky=downstream';
  return [`! tee name=rtptee rtptee. ! ${q} ! ${enc} ! ${sink(VIDEO_NAMES.srtpSink, bind)}`, `rtptee. ! ${q} ! ${sink(VIDEO_NAMES.sink, '')}`];
}

/** multiudpsink's `clients` string; IPv6 literals need no brackets there (it splits at the last colon). */
export function clientsString(dests: Iterable<{ address: string; port: number }>): string {
  return [...dests].map((d) => `${d.address}:${d.port}`).join(',');
}
