/**
 * A screen whose 183/200 carries SDP we cannot use: the door, with a real
 * SIP stack on 127.0.0.1 and FakeMediaEngine, gives that fork no video
 * (and no audio it cannot send to), logs why, goes on with the call and
 * with the other forks, and never throws. The screens are UDP sockets
 * scripted here.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { CallState } from '../../../src/door/call/call-state.js';
import { DoorOpener } from '../../../src/door/opener/door-opener.js';
import { DoorStation } from '../../../src/door/door-station.js';
import { LogSink } from '../../../src/log/logger.js';
import { FakeMediaEngine } from '../../support/fake-media-engine.js';
import { SipStack } from '../../../src/sip/core/sip-stack.js';
import { createResponse, parseMessage, serialiseMessage, type SipRequest } from '../../../src/sip/message/index.js';
import { BARESIP_ANSWER, LINPHONE_ANSWER } from '../../support/fixtures/own-traffic.js';
import { until } from '../../support/wait.js';

interface Screen {
  socket: Socket;
  port: number;
  /** What it answers the INVITE with: [status, sdp] in order. */
  script: Array<[number, string | undefined]>;
}

/** A UDP "screen": answers the INVITE per its script, 200 to BYE/CANCEL, ignores ACK. */
function screen(script: Screen['script']): Promise<Screen> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const s: Screen = { socket, port: 0, script };
    const tag = `scr${Math.floor(Math.random() * 1e9)}`;
    socket.on('message', (data, from) => {
      const m = parseMessage(data, { transport: 'datagram' });
      if (m.kind !== 'request') return;
      const req = m as SipRequest;
      const send = (status: number, sdp?: string) => {
        const res = createResponse(req, status, undefined, {
          toTag: tag,
          headers: [['Contact', `<sip:screen@127.0.0.1:${s.port}>`]],
          body: sdp === undefined ? undefined : Buffer.from(sdp),
          contentType: sdp === undefined ? undefined : 'application/sdp',
        });
        socket.send(serialiseMessage(res), from.port, from.address);
      };
      if (req.method === 'INVITE') for (const [status, sdp] of script) send(status, sdp);
      else if (req.method === 'BYE' || req.method === 'CANCEL') send(200);
    });
    socket.bind(0, '127.0.0.1', () => {
      s.port = socket.address().port;
      resolve(s);
    });
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function door(targets: string[]) {
  const config = configSchema.parse({ sip: { listen: ['udp:127.0.0.1:0'] }, call: { targets, early_media: 'video' }, door: { allowed: [] } });
  const lines: string[] = [];
  const sink = new LogSink({ level: 'debug', systemd: true, write: (l) => lines.push(l) });
  const stack = new SipStack({ listen: config.sip.listen, userAgent: 'test', log: sink.logger('sip') });
  await stack.start();
  cleanups.push(() => stack.stop());
  const media = new FakeMediaEngine();
  const opener = new DoorOpener({ config: config.door, relay: { pulseRelay: () => ({ status: 'started', ms: 1 }) }, log: sink.logger('door') });
  const station = new DoorStation({ config, stack, media, opener, log: sink.logger('door') });
  cleanups.push(() => station.stop());
  return { station, media, lines };
}

const BAD: Record<string, string> = {
  'no c= line': LINPHONE_ANSWER.replace('c=IN IP4 127.0.0.1\r\n', ''),
  'host name in c=': LINPHONE_ANSWER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4 screen.example'),
  'video port 99999, audio fine': LINPHONE_ANSWER.replace('m=video 9078', 'm=video 99999'),
  'no m= line': 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n',
  'three m-lines for two': LINPHONE_ANSWER + 'm=video 9080 RTP/AVP 96\r\n',
  'binary junk': '\xff\xfe\x00v=0\r\nm=\x01\r\n',
};

describe('door with an unusable answer from a screen', () => {
  for (const [name, sdp] of Object.entries(BAD)) {
    it(`${name}: no video to that fork, the call is answered and goes on`, async () => {
      const bad = await screen([[183, sdp], [200, sdp]]);
      cleanups.push(() => new Promise<void>((r) => bad.socket.close(() => r())));
      const { station, media, lines } = await door([`sip:screen@127.0.0.1:${bad.port}`]);
      const { id } = station.ring();
      const call = station.get(id)!;
      await until('the call to be answered', () => call.state === CallState.StreamsRunning);
      const video = media.calls.filter((c) => c.op === 'addVideoDestination');
      // Only a well-formed video m-line with a real port may become a destination.
      for (const c of video) expect(c.op === 'addVideoDestination' && c.dest.port).toBe(9078);
      if (name.startsWith('video port')) {
        expect(video).toEqual([]);
        expect(media.talk).toMatchObject({ address: '127.0.0.1', port: 7078, codec: 'PCMU' });
      }
      expect(lines.join('')).toMatch(/unusable|no video|unreadable/);
      const talk = media.talk ? 'on' : 'off';
      await station.terminate(id);
      expect(call.ended).toBe(true);
      console.log(`[door] answer with ${name}: answered, ${video.length} video destination(s), talk ${talk}; no exception`);
    });
  }

  it('one bad fork among good ones: the good ones get video, the bad one none', async () => {
    const bad = await screen([[183, BAD['host name in c=']!]]);
    const good1 = await screen([[183, LINPHONE_ANSWER]]);
    const good2 = await screen([[183, BARESIP_ANSWER]]);
    for (const s of [bad, good1, good2]) cleanups.push(() => new Promise<void>((r) => s.socket.close(() => r())));
    const { station, media } = await door([bad, good1, good2].map((s) => `sip:screen@127.0.0.1:${s.port}`));
    const { id } = station.ring();
    await until('two early video destinations', () => media.destinations.size === 2);
    expect([...media.destinations.values()].map((d) => d.port).sort((a, b) => a - b)).toEqual([9078, 10002]);
    expect(station.get(id)!.earlyForks).toBe(2);
    await station.terminate(id);
    console.log('[door] three forks, one with an unusable 183: 2 early video destinations, the bad fork none');
  });
});
