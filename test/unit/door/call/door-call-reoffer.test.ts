/**
 * re-INVITE and UPDATE in an answered call (RFC 3264 §8, RFC 3311 §5.2):
 * the answer keeps the o= session id with the version one up, the media
 * follow the screen's directions (hold stops our audio, inactive stops
 * video too, resume brings both back), an offerless re-INVITE gets our
 * offer and its answer is taken from the ACK.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallState } from '../../../../src/door/call/call-state.js';
import { harness, request, SCREEN_SDP, type Incoming } from '../../../support/door-call-harness.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const origin = (inc: Incoming, i = -1) => /^o=doorstation (\d+) (\d+) /m.exec(inc.responses.at(i)!.body.toString())!.slice(1).map(Number);
const audioDirection = (inc: Incoming) => /m=audio[^]*?a=(sendrecv|sendonly|recvonly|inactive)/.exec(inc.responses.at(-1)!.body.toString())?.[1];

describe('re-offers in an answered call', () => {
  it('hold by re-INVITE (audio sendonly): answers recvonly, stops audio, keeps video; resume brings audio back', async () => {
    const h = harness();
    const { call, invite } = await h.answeredCall();
    const [sessionId, firstVersion] = origin(invite);
    expect(h.media.talk).toBeDefined();

    const hold = h.inDialog(request('INVITE', 2, { toTag: 'door1', body: SCREEN_SDP(2, 'sendonly') }));
    expect(hold.responses.at(-1)!.status).toBe(200);
    expect(hold.responses.at(-1)!.headers.get('Contact')).toBe('<sip:door@127.0.0.1:5060>');
    expect(origin(hold)).toEqual([sessionId, firstVersion! + 1]);
    expect(audioDirection(hold)).toBe('recvonly');
    expect(h.media.talk).toBeUndefined();
    expect(h.media.destinations.size).toBe(1);
    expect(call.state).toBe(CallState.PausedByRemote);

    const resume = h.inDialog(request('INVITE', 3, { toTag: 'door1', body: SCREEN_SDP(3) }));
    expect(origin(resume)).toEqual([sessionId, firstVersion! + 2]);
    expect(audioDirection(resume)).toBe('sendrecv');
    expect(h.media.talk).toMatchObject({ address: '127.0.0.1', port: 40000, codec: 'PCMU' });
    expect(call.state).toBe(CallState.StreamsRunning);
    expect(h.states.slice(-2)).toEqual([CallState.PausedByRemote, CallState.StreamsRunning]);
  });

  it('UPDATE with everything inactive stops audio and video; UPDATE sendrecv restarts both', async () => {
    const h = harness();
    const { call } = await h.answeredCall();
    const off = h.inDialog(request('UPDATE', 2, { toTag: 'door1', body: SCREEN_SDP(2, 'inactive', 'inactive') }));
    expect(off.responses.at(-1)!.status).toBe(200);
    expect(audioDirection(off)).toBe('inactive');
    expect(h.media.talk).toBeUndefined();
    expect(h.media.destinations.size).toBe(0);
    expect(call.state).toBe(CallState.PausedByRemote);

    h.inDialog(request('UPDATE', 3, { toTag: 'door1', body: SCREEN_SDP(3) }));
    expect(h.media.talk).toBeDefined();
    expect([...h.media.destinations.values()]).toMatchObject([{ address: '127.0.0.1', port: 40002, payloadType: 96 }]);
    expect(call.state).toBe(CallState.StreamsRunning);
  });

  it('a re-INVITE that changes nothing does not restart the audio', async () => {
    const h = harness();
    await h.answeredCall();
    const starts = () => h.media.calls.filter((c) => c.op === 'startTalk' || c.op === 'stopTalk').length;
    const before = starts();
    h.inDialog(request('INVITE', 2, { toTag: 'door1', body: SCREEN_SDP(2) }));
    expect(starts()).toBe(before);
  });

  it('an offerless re-INVITE gets our offer in the 200; the answer in the ACK is applied', async () => {
    const h = harness();
    const { call, invite } = await h.answeredCall();
    const [sessionId, v] = origin(invite);
    const reinvite = h.inDialog(request('INVITE', 2, { toTag: 'door1' }));
    const offer = reinvite.responses.at(-1)!;
    expect(offer.status).toBe(200);
    expect(offer.body.toString()).toMatch(/^m=audio \d+ RTP\/AVP /m);
    expect(origin(reinvite)).toEqual([sessionId, v! + 1]);

    h.ack(request('ACK', 2, { toTag: 'door1', body: SCREEN_SDP(2, 'sendonly', 'inactive') }));
    expect(h.media.talk).toBeUndefined();
    expect(h.media.destinations.size).toBe(0);
    expect(call.state).toBe(CallState.PausedByRemote);
  });

  it('over UDP the 200 to a re-INVITE is resent until its ACK, and a call whose ACK never comes is hung up', async () => {
    const h = harness();
    await h.answeredCall();
    const acked = h.inDialog(request('INVITE', 2, { toTag: 'door1', body: SCREEN_SDP(2) }), false);
    await vi.advanceTimersByTimeAsync(1600);
    expect(acked.responses.filter((r) => r.status === 200)).toHaveLength(3);
    h.ack(request('ACK', 2, { toTag: 'door1' }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(acked.responses.filter((r) => r.status === 200)).toHaveLength(3);

    h.inDialog(request('INVITE', 3, { toTag: 'door1', body: SCREEN_SDP(3) }), false);
    await vi.advanceTimersByTimeAsync(32_000);
    expect(h.sent.map((r) => r.method)).toEqual(['BYE']);
    expect(h.states.slice(-2)).toEqual([CallState.End, CallState.Released]);
  });

  it('an offer it cannot take is refused 488 and the session stays as it was', async () => {
    const h = harness();
    const { call } = await h.answeredCall();
    const bad = h.inDialog(request('INVITE', 2, { toTag: 'door1', body: SCREEN_SDP(2).replace(/RTP\/AVP 0 101/, 'RTP/AVP 18').replace(/H264/, 'VP8') }));
    expect(bad.responses.at(-1)!.status).toBe(488);
    expect(h.media.talk).toBeDefined();
    expect(call.state).toBe(CallState.StreamsRunning);
    const next = h.inDialog(request('INVITE', 3, { toTag: 'door1', body: SCREEN_SDP(3) }));
    expect(origin(next)[1]).toBe(2); // the refused offer used no version
  });
});
