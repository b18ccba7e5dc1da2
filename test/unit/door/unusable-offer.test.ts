/**
 * Incoming calls and re-INVITEs from an allowed screen carrying mutated
 * SDP offers, through a real SIP stack on 127.0.0.1 and FakeMediaEngine:
 * each INVITE gets 200 (with an answer we could read back) or 488, the
 * call ends cleanly on BYE, and nothing throws. Seeded; a failure prints
 * seed, case and offer.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'sdp-transform';
import { configSchema } from '../../../src/config/schema.js';
import { DoorOpener } from '../../../src/door/opener/door-opener.js';
import { DoorStation } from '../../../src/door/door-station.js';
import { LogSink } from '../../../src/log/logger.js';
import { FakeMediaEngine } from '../../support/fake-media-engine.js';
import { SipStack } from '../../../src/sip/core/sip-stack.js';
import { parseMessage, type SipResponse } from '../../../src/sip/message/index.js';
import { BARESIP_ANSWER, DOOR_OFFER, LINPHONE_ANSWER } from '../../support/fixtures/own-traffic.js';
import { fuzzFailure, mutate, prng, report } from '../../support/fuzz.js';

const SCREEN = 'sip:screen@127.0.0.1';

describe('door answering mutated offers', () => {
  let stack: SipStack;
  let station: DoorStation;
  let sock: Socket;
  let doorPort: number;
  const lines: string[] = [];
  const waiting = new Map<string, (r: SipResponse) => void>();

  beforeAll(async () => {
    const config = configSchema.parse({ sip: { listen: ['udp:127.0.0.1:0'] }, door: { allowed: [SCREEN], auto_answer: true } });
    const sink = new LogSink({ level: 'info', systemd: true, write: (l) => lines.push(l) });
    stack = new SipStack({ listen: config.sip.listen, userAgent: 'test', log: sink.logger('sip') });
    await stack.start();
    doorPort = stack.transports[0]!.local.port;
    const opener = new DoorOpener({ config: config.door, relay: { pulseRelay: () => ({ status: 'started', ms: 1 }) }, log: sink.logger('door') });
    station = new DoorStation({ config, stack, media: new FakeMediaEngine(), opener, log: sink.logger('door') });
    sock = createSocket('udp4');
    sock.on('message', (data) => {
      const m = parseMessage(data, { transport: 'datagram' });
      if (m.kind !== 'response' || m.status < 200) return;
      const key = `${m.headers.get('Call-ID')} ${m.cseq.seq}`;
      waiting.get(key)?.(m);
      waiting.delete(key);
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await station.stop();
    await stack.stop();
    sock.close();
  });

  function request(method: string, callId: string, cseq: number, toTag: string | undefined, body?: Buffer): Promise<SipResponse | undefined> {
    const port = sock.address().port;
    const head = [
      `${method} sip:door@127.0.0.1:${doorPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${callId}${method}${cseq};rport`,
      'Max-Forwards: 70',
      `From: <${SCREEN}>;tag=scr`,
      `To: <sip:door@127.0.0.1:${doorPort}>${toTag ? `;tag=${toTag}` : ''}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:screen@127.0.0.1:${port}>`,
      ...(body ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${body?.length ?? 0}`,
      '',
      '',
    ].join('\r\n');
    const data = Buffer.concat([Buffer.from(head), body ?? Buffer.alloc(0)]);
    if (method === 'ACK') {
      sock.send(data, doorPort, '127.0.0.1');
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), 5000);
      waiting.set(`${callId} ${cseq}`, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      sock.send(data, doorPort, '127.0.0.1');
    });
  }

  it('each INVITE and re-INVITE: 200 with a readable answer or 488; BYE ends it', async () => {
    const seed = 32642;
    const rnd = prng(seed);
    const offers = [LINPHONE_ANSWER, BARESIP_ANSWER, DOOR_OFFER].map((s) => Buffer.from(s));
    const tally = { 200: 0, 488: 0, reinvite200: 0, reinvite488: 0 };
    const cases = 150;
    const started = Date.now();
    for (let i = 0; i < cases; i++) {
      const offer = mutate(offers[i % offers.length]!, rnd);
      const callId = `fuzz${seed}x${i}`;
      try {
        const res = await request('INVITE', callId, 1, undefined, offer);
        expect(res, 'no final response').toBeDefined();
        expect([200, 488]).toContain(res!.status);
        if (res!.status === 488) {
          tally[488]++;
          await request('ACK', callId, 1, res!.to.params.get('tag') ?? undefined);
          continue;
        }
        tally[200]++;
        expect(parse(res!.body.toString('utf8')).media.length).toBeGreaterThan(0);
        const tag = res!.to.params.get('tag') ?? undefined;
        await request('ACK', callId, 1, tag);
        // A mutated re-INVITE in the call: answered or refused, and the call survives either way.
        const re = await request('INVITE', callId, 2, tag, mutate(offers[(i + 1) % offers.length]!, rnd));
        expect([200, 488]).toContain(re!.status);
        tally[re!.status === 200 ? 'reinvite200' : 'reinvite488']++;
        await request('ACK', callId, 2, tag);
        expect((await request('BYE', callId, 3, tag))?.status).toBe(200);
      } catch (e) {
        throw fuzzFailure('door answering a mutated offer', seed, i, offer, e);
      }
      expect(station.current(), `call ${i} still up`).toBeUndefined();
    }
    expect(lines.join('')).not.toMatch(/TypeError|RangeError/);
    report('door answering mutated offers (INVITE + re-INVITE)', seed, cases, Date.now() - started, `${JSON.stringify(tally)}; every call ended on BYE`);
  }, 120_000);
});
