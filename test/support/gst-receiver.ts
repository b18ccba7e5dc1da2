/**
 * A home screen's video decoder, stand-in: `gst-launch-1.0` receiving
 * H.264 RTP on a port and decoding it with openh264dec (what linphone
 * uses, LAB.md); one "chain" line per decoded frame.
 */
import { CHAIN, PLAYING, gstLaunch, type GstLaunch } from './gst-launch.js';

export interface GstReceiver {
  port: number;
  peer: GstLaunch;
  frames(): number;
  /** performance.now() of the first decoded frame. */
  firstFrameAt(): number | undefined;
  waitFrames(n: number, timeoutMs: number): Promise<boolean>;
  output(): string;
  kill(): Promise<void>;
}

export interface ReceiverOptions {
  decoder?: 'openh264dec' | 'avdec_h264';
  payloadType?: number;
  lifetimeMs?: number;
  /** SRTP: srtpdec before the depayloader, keyed by caps (srtpdec needs the SSRC there, or a request-key handler). */
  srtp?: { keyHex: string; ssrc: number };
}

export async function startH264Receiver(port: number, opts: ReceiverOptions = {}): Promise<GstReceiver> {
  const rtp = `media=video,clock-rate=90000,encoding-name=H264,payload=${opts.payloadType ?? 96}`;
  const caps = opts.srtp
    ? `application/x-srtp,${rtp},ssrc=(uint)${opts.srtp.ssrc},srtp-key=(buffer)${opts.srtp.keyHex},srtp-cipher=aes-128-icm,srtp-auth=hmac-sha1-80,srtcp-cipher=aes-128-icm,srtcp-auth=hmac-sha1-80`
    : `application/x-rtp,${rtp}`;
  const peer = gstLaunch(
    ['-v', 'udpsrc', 'address=127.0.0.1', `port=${port}`, `caps=${caps}`, '!', ...(opts.srtp ? ['srtpdec', '!'] : []), 'rtph264depay', '!', 'h264parse', '!', opts.decoder ?? 'openh264dec', '!', 'fakesink', 'silent=false', 'sync=false'],
    { lifetimeMs: opts.lifetimeMs, watch: [PLAYING, CHAIN] },
  );
  if (!(await peer.waitFor(() => peer.count(PLAYING) > 0, 10_000))) {
    await peer.kill();
    throw new Error(`receiver on ${port} did not start: ${peer.output()}`);
  }
  return {
    port,
    peer,
    frames: () => peer.count(CHAIN),
    firstFrameAt: () => peer.firstAt(CHAIN),
    waitFrames: (n, timeoutMs) => peer.waitFor(() => peer.count(CHAIN) >= n, timeoutMs),
    output: () => peer.output(),
    kill: () => peer.kill(),
  };
}
