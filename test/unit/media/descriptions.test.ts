import { describe, expect, it } from 'vitest';
import { audioPipelineDescription, rtpCaps } from '../../../src/media/audio/audio-pipeline.js';
import { encoderDescription, pickEncoder } from '../../../src/media/video/video-encoder.js';
import { clientsString, videoPipelineDescription, videoSinks } from '../../../src/media/video/video-pipeline.js';
import { videoSourceDescription } from '../../../src/media/video/video-source.js';

const video = { source: 'test', encoder: 'x264enc', width: 640, height: 480, framerate: 15, bitrateKbps: 800, payloadType: 96, bindPort: 16386, bindAddress: '0.0.0.0' };

describe('video description', () => {
  it('maps video_source values', () => {
    expect(videoSourceDescription('test')).toMatch(/^videotestsrc .*! imagefreeze is-live=true$/);
    expect(videoSourceDescription('v4l2:/dev/video2')).toBe('v4l2src device="/dev/video2"');
    expect(videoSourceDescription('libcamera')).toBe('libcamerasrc');
    expect(videoSourceDescription('rtspsrc location=rtsp://cam/ ! decodebin')).toBe('rtspsrc location=rtsp://cam/ ! decodebin');
  });

  it('picks v4l2h264enc, then x264enc, then openh264enc; a named encoder only if present', () => {
    const only = (...names: string[]) => (f: string) => names.includes(f);
    expect(pickEncoder('auto', only('x264enc', 'v4l2h264enc', 'openh264enc'))).toBe('v4l2h264enc');
    expect(pickEncoder('auto', only('x264enc', 'openh264enc'))).toBe('x264enc');
    expect(pickEncoder('auto', only('openh264enc'))).toBe('openh264enc');
    expect(pickEncoder('auto', only())).toBeUndefined();
    expect(pickEncoder('openh264enc', only('openh264enc', 'x264enc'))).toBe('openh264enc');
    expect(pickEncoder('nvh264enc', only('x264enc'))).toBeUndefined();
  });

  it('makes x264 send one slice per frame, constrained baseline, a key frame every 2 s', () => {
    const d = encoderDescription('x264enc', { bitrateKbps: 800, framerate: 15 });
    for (const s of ['tune=zerolatency', 'speed-preset=ultrafast', 'sliced-threads=false', 'threads=1', 'key-int-max=30', 'bitrate=800', 'profile=constrained-baseline']) expect(d).toContain(s);
  });

  it('gives openh264 bits per second and v4l2h264enc a level', () => {
    expect(encoderDescription('openh264enc', { bitrateKbps: 500, framerate: 10 })).toContain('bitrate=500000 gop-size=20');
    expect(encoderDescription('v4l2h264enc', { bitrateKbps: 500, framerate: 10 })).toContain('level=(string)4');
  });

  it('sends SPS/PPS with every IDR once (the payloader adds them only for an encoder that does not), from the SDP port, to live clients', () => {
    const d = videoPipelineDescription(video);
    expect(d).toContain('rtph264pay name=vpay config-interval=0 pt=96');
    expect(videoPipelineDescription({ ...video, encoder: 'openh264enc' })).toContain('rtph264pay name=vpay config-interval=-1 pt=96');
    expect(d).toContain('valve name=encvalve drop=true');
    expect(d).not.toContain('appsrc');
    // The newest frame, pushed again for a key frame at once: appsrc into a funnel before the encoder, an appsink behind a watchdog.
    const n = videoPipelineDescription({ ...video, newestFrame: true });
    expect(n).toMatch(/! funnel name=vfunnel forward-sticky-events=false ! x264enc /);
    expect(n).toMatch(/appsrc name=vnewin [^!]*caps="video\/x-raw,format=I420,width=640,height=480,framerate=15\/1" ! vfunnel\./);
    expect(n).toMatch(/vtee\. ! watchdog name=vwatch timeout=\d+ ! appsink name=vnewest max-buffers=1 drop=true/);
    expect(d).toContain('multiudpsink name=vsink clients="" sync=false async=false send-duplicates=false bind-port=16386 bind-address=0.0.0.0');
    expect(d).toContain('width=640,height=480,framerate=15/1');
    expect(d).toContain('valve name=snapvalve drop=true');
  });

  it('puts srtpenc before the bound sink with SRTP; "optional" keeps an unbound plain sink beside it', () => {
    const keyHex = 'ab'.repeat(30);
    const mandatory = videoPipelineDescription({ ...video, srtp: { mode: 'mandatory', keyHex } });
    expect(mandatory).toContain(`! srtpenc key=${keyHex} rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80 ! multiudpsink name=vsrtpsink`);
    expect(mandatory).toMatch(/name=vsrtpsink [^!]*bind-port=16386/);
    expect(mandatory).not.toContain('name=vsink');
    expect(videoSinks({ srtp: { mode: 'mandatory', keyHex } })).toEqual({ plain: false, srtp: true });
    const optional = videoPipelineDescription({ ...video, srtp: { mode: 'optional', keyHex } });
    expect(optional).toMatch(/name=vsrtpsink [^!]*bind-port=16386/);
    expect(optional).toMatch(/rtptee\. ! queue [^!]*! srtpenc /);
    expect(optional).toMatch(/rtptee\. ! queue [^!]*! multiudpsink name=vsink clients="" sync=false async=false send-duplicates=false vtee\./);
    expect(videoSinks({ srtp: { mode: 'optional', keyHex } })).toEqual({ plain: true, srtp: true });
    expect(videoSinks({})).toEqual({ plain: true, srtp: false });
  });

  it('writes multiudpsink clients', () => {
    expect(clientsString([{ address: '127.0.0.1', port: 5004 }, { address: '::1', port: 5006 }])).toBe('127.0.0.1:5004,::1:5006');
    expect(clientsString([])).toBe('');
  });
});

describe('audio description', () => {
  const base = { payloadType: 111, source: 'test', sink: 'fake', echoCancel: true, probeName: 'p1' };
  it('encodes Opus at 48 kHz, G.711 at 8 kHz in 20 ms packets', () => {
    expect(audioPipelineDescription({ ...base, codec: 'opus' })).toContain('opusenc bitrate=32000 frame-size=20');
    const pcmu = audioPipelineDescription({ ...base, codec: 'PCMU', payloadType: 0 });
    expect(pcmu).toContain('mulawenc ! rtppcmupay name=apay pt=0 min-ptime=20000000 max-ptime=20000000');
    expect(audioPipelineDescription({ ...base, codec: 'PCMA', payloadType: 8 })).toContain('alawenc');
  });

  it('cancels echo with a probe of the same name on the playback side', () => {
    const d = audioPipelineDescription({ ...base, codec: 'opus' });
    expect(d).toContain('webrtcdsp probe=p1');
    expect(d).toContain('webrtcechoprobe name=p1');
    const off = audioPipelineDescription({ ...base, codec: 'opus', echoCancel: false });
    expect(off).not.toContain('webrtc');
  });

  it('has no capture branch for audio_source none, and ALSA devices when asked', () => {
    const d = audioPipelineDescription({ ...base, codec: 'PCMU', source: 'none', sink: 'alsa:hw:1,0' });
    expect(d).not.toContain('appsink');
    expect(d).not.toContain('webrtc');
    expect(d).toContain('alsasink device="hw:1,0"');
    expect(audioPipelineDescription({ ...base, codec: 'PCMU', source: 'alsa:plughw:CARD=Mic' })).toContain('alsasrc device="plughw:CARD=Mic"');
  });

  it('describes received RTP', () => {
    expect(rtpCaps('opus', 111)).toBe('application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=111');
    expect(rtpCaps('PCMA', 8)).toBe('application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMA,payload=8');
  });
});
