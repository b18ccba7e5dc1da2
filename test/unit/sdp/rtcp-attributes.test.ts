/**
 * RTCP in SDP: where we take it (RFC 3605 a=rtcp only when not port + 1),
 * the feedback we accept (RFC 4585 nack pli, RFC 5104 ccm fir), and where a
 * screen wants ours (a=rtcp, a=rtcp-mux per RFC 5761, else port + 1).
 */
import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { audioCodecs, videoCodecs } from '../../../src/sdp/codecs.js';
import { answerOffer, planFromAnswer } from '../../../src/sdp/negotiate.js';
import { buildOffer } from '../../../src/sdp/offer.js';
import type { LocalMedia } from '../../../src/sdp/types.js';
import { videoDestination } from '../../../src/door/call/call-media.js';

function local(videoRtcp?: number): LocalMedia {
  return {
    address: '192.0.2.10',
    sessionId: '1',
    sessionVersion: 1,
    srtp: 'off',
    audio: { port: 16384, codecs: audioCodecs(['PCMU']), direction: 'sendrecv' },
    video: { port: 16386, rtcpPort: videoRtcp, codecs: videoCodecs(), direction: 'sendonly' },
  };
}

const crlf = (s: string) => s.trim().split('\n').map((l) => l.trim()).join('\r\n') + '\r\n';
const answer = (videoAttrs: string) =>
  crlf(`
  v=0
  o=screen 1 1 IN IP4 192.0.2.50
  s=-
  c=IN IP4 192.0.2.50
  t=0 0
  m=audio 7078 RTP/AVP 0
  m=video 9078 RTP/AVP 96
  a=rtpmap:96 H264/90000
  ${videoAttrs}
  a=recvonly
`);

describe('our offer', () => {
  it('says nothing of RTCP when it is on video port + 1 (RFC 3550 §11)', () => {
    const sdp = buildOffer(local(16387));
    expect(sdp).not.toMatch(/a=rtcp:/);
  });

  it('writes a=rtcp (RFC 3605) when the RTCP port is elsewhere', () => {
    const video = parse(buildOffer(local(17001))).media[1]!;
    expect(video.rtcp).toMatchObject({ port: 17001 });
  });

  it('asks for key frames by PLI and FIR on every video payload type (RFC 4585 §4.2, RFC 5104 §7.1)', () => {
    const video = parse(buildOffer(local(16387))).media[1]!;
    expect(video.rtcpFb).toEqual([
      { payload: 96, type: 'nack', subtype: 'pli' },
      { payload: 96, type: 'ccm', subtype: 'fir' },
    ]);
    expect(buildOffer(local(16387))).toContain('a=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n');
  });
});

describe('where the screen takes our RTCP', () => {
  it('port + 1 by default', () => {
    const v = planFromAnswer(answer(''), local(16387)).video!;
    expect(v).toMatchObject({ rtcpPort: 9079, rtcpAddress: '192.0.2.50', rtcpMux: false });
    expect(videoDestination(v)).toEqual({ address: '192.0.2.50', port: 9078, payloadType: 96, rtcp: { address: '192.0.2.50', port: 9079 } });
  });

  it('a=rtcp:PORT, and a=rtcp:PORT IN IP4 ADDR (RFC 3605 §2.1)', () => {
    expect(planFromAnswer(answer('a=rtcp:9500'), local()).video).toMatchObject({ rtcpPort: 9500, rtcpAddress: '192.0.2.50' });
    expect(planFromAnswer(answer('a=rtcp:9500 IN IP4 198.51.100.7'), local()).video).toMatchObject({ rtcpPort: 9500, rtcpAddress: '198.51.100.7' });
  });

  it('never a host name: a=rtcp with a name goes to the c= address, nothing is resolved (issue 12 row 22)', () => {
    for (const name of ['evil.example.com', 'localhost', '127', '2130706433']) {
      const v = planFromAnswer(answer(`a=rtcp:9500 IN IP4 ${name}`), local()).video!;
      expect(v).toMatchObject({ rtcpPort: 9500, rtcpAddress: '192.0.2.50' });
      expect(videoDestination(v).rtcp).toEqual({ address: '192.0.2.50', port: 9500 });
    }
    expect(planFromAnswer(answer('a=rtcp:9500 IN IP6 2001:db8::7'), local()).video).toMatchObject({ rtcpAddress: '2001:db8::7' });
  });

  it('its RTP port under a=rtcp-mux in its answer (RFC 5761 §5.1.1)', () => {
    expect(planFromAnswer(answer('a=rtcp-mux'), local()).video).toMatchObject({ rtcpPort: 9078, rtcpMux: true });
  });

  it('port + 1 when its offer has a=rtcp-mux, since our answer does not take it (RFC 5761 §5.1.1)', () => {
    const offer = answer('a=rtcp-mux').replace('a=recvonly', 'a=sendrecv');
    const { sdp, plan } = answerOffer(offer, local(16387));
    expect(sdp).not.toContain('rtcp-mux');
    expect(plan.video).toMatchObject({ rtcpPort: 9079, rtcpMux: false });
  });
});
