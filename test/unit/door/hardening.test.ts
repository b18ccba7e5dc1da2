/**
 * Issue 12's attacks on the door's call policy, replayed with a real SIP
 * stack on 127.0.0.1, FakeMediaEngine and scripted UDP screens (or
 * attackers posing as one), each now refused:
 * - row 2: a From whose quoted display name holds an allowed URI;
 * - row 3: an incoming call holding back the button;
 * - row 9 / issue 13 item 4: early audio to every ringing screen, and a
 *   screen that declines loses it at once;
 * - row 10: forks aiming media at addresses no screen owns, and in numbers;
 * - row 11: an answerer claiming an allowed URI in the To of its 200.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallState } from '../../../src/door/call/call-state.js';
import { MAX_EARLY_FORKS, MAX_REASON_PHRASE } from '../../../src/door/call/outgoing.js';
import { doorUnderTest, screenSdp, udpScreen, type DoorUnderTest, type UdpScreen } from '../../support/udp-screen.js';
import { until } from '../../support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function screen(...args: Parameters<typeof udpScreen>): Promise<UdpScreen> {
  const s = await udpScreen(...args);
  cleanups.push(() => s.close());
  return s;
}

async function door(toml: Parameters<typeof doorUnderTest>[0]): Promise<DoorUnderTest> {
  const d = await doorUnderTest(toml);
  cleanups.push(() => d.stop());
  return d;
}

const methods = (s: UdpScreen) => s.requests.map((r) => r.method);

describe('identity (issue 12 row 2)', () => {
  it('a From whose display name quotes an allowed URI is the URI in brackets: refused', async () => {
    const caller = await screen([], 'guest');
    const d = await door({ door: { allowed: ['sip:kitchen@127.0.0.1'], auto_answer: true, open_code: '1234' }, call: { targets: ['sip:nobody@127.0.0.1:9'] } });
    caller.call(d.port, '"<sip:kitchen@127.0.0.1>" <sip:guest@127.0.0.1>');
    await until('the door to answer', () => caller.statuses.find((s) => s >= 200));
    expect(caller.statuses.filter((s) => s >= 200)).toEqual([403]);
    expect(d.station.current()).toBeUndefined();
    expect(d.lines.join('\n')).toMatch(/refused a call from sip:guest@127\.0\.0\.1: not in door\.allowed/);
  });
});

describe('the button always rings (issue 12 row 3)', () => {
  /** A screen the press rings (it answers 180), and the allowed kitchen phone calling the door. */
  async function kitchenCalling(autoAnswer: boolean) {
    const target = await screen([{ status: 180 }]);
    const caller = await screen([], 'kitchen');
    const d = await door({ door: { allowed: ['sip:kitchen@127.0.0.1'], auto_answer: autoAnswer }, call: { targets: [target.uri] } });
    caller.call(d.port, '<sip:kitchen@127.0.0.1>');
    return { target, caller, d };
  }

  it('a press during a ringing incoming call (auto_answer off) ends it with 486 and rings the targets', async () => {
    const { target, caller, d } = await kitchenCalling(false);
    await until('the incoming call to ring', () => caller.statuses.includes(180));
    expect(d.station.current()?.direction).toBe('in');
    const press = d.station.ring();
    expect(press.already).toBe(false);
    await until('the caller to get 486', () => caller.statuses.includes(486));
    await until('the target to be rung', () => methods(target).includes('INVITE'));
    expect(d.station.current()?.direction).toBe('out');
    expect(d.lines.join('\n')).toMatch(/button pressed during the ringing call/);
  });

  it('a press during an answered incoming call (auto_answer on) hangs it up and rings the targets', async () => {
    const { target, caller, d } = await kitchenCalling(true);
    await until('the door to answer', () => caller.statuses.includes(200));
    await until('the call to run', () => d.station.current()?.state === CallState.StreamsRunning);
    expect(d.station.ring().already).toBe(false);
    await until('a BYE to the caller', () => methods(caller).includes('BYE'));
    await until('the target to be rung', () => methods(target).includes('INVITE'));
    // Only the door's own call holds the camera now.
    expect([...d.media.destinations.keys()].every((k) => !k.endsWith(':in'))).toBe(true);
  });

  it('a press during the door’s own call still changes nothing', async () => {
    const target = await screen([{ status: 180 }]);
    const d = await door({ call: { targets: [target.uri] } });
    const first = d.station.ring();
    await until('the target to be rung', () => methods(target).includes('INVITE'));
    expect(d.station.ring()).toEqual({ id: first.id, already: true });
  });
});

describe("a refusal's Reason-Phrase is the peer's text", () => {
  it('only its first MAX_REASON_PHRASE characters become the end reason (log, event, call log)', async () => {
    const target = await screen([{ status: 486, reason: 'Busy '.repeat(2000) }]);
    const d = await door({ call: { targets: [target.uri] } });
    const reasons: string[] = [];
    d.station.on('call-state', (c) => void (c.reason && reasons.push(c.reason)));
    d.station.ring();
    await until('the call to end', () => reasons.length > 0);
    expect(reasons[0]).toBe(`486 ${'Busy '.repeat(2000).slice(0, MAX_REASON_PHRASE)}…`);
    expect(d.lines.every((l) => l.length < 1000)).toBe(true);
  });
});

describe('early audio to every ringing screen (issue 13 item 4, issue 12 row 9)', () => {
  it('both ringing screens get the microphone; one declines and loses audio and video at once; the answerer talks', async () => {
    const a = await screen([{ status: 183, sdp: screenSdp({ audioPort: 7078, videoPort: 9078 }) }], 'a');
    const b = await screen([{ status: 183, sdp: screenSdp({ audioPort: 7178, videoPort: 9178 }) }], 'b');
    const d = await door({ call: { targets: [a.uri, b.uri], early_media: 'audio+video' } });
    d.station.ring();
    await until('early audio to both', () => d.media.audioDestinations.size === 2);
    expect([...d.media.audioDestinations.values()].map((p) => p.port).sort()).toEqual([7078, 7178]);
    expect(d.media.talk).toBeUndefined(); // nothing heard from a ringing screen, no digits from it
    b.reply({ status: 603 });
    await until('b to lose its early audio', () => d.media.audioDestinations.size === 1);
    expect([...d.media.audioDestinations.values()][0]!.port).toBe(7078);
    expect([...d.media.destinations.values()].map((v) => v.port)).toEqual([9078]);
    a.reply({ status: 200, sdp: screenSdp({ audioPort: 7078, videoPort: 9078 }) });
    await until('the talk with a', () => d.media.talk);
    expect(d.media.talk).toMatchObject({ port: 7078 });
    expect(d.media.audioDestinations.size).toBe(0);
  });

  it('the screen that loses the race stops hearing the door at the 200', async () => {
    const a = await screen([{ status: 183, sdp: screenSdp({ audioPort: 7078, videoPort: 9078 }) }], 'a');
    const b = await screen([{ status: 183, sdp: screenSdp({ audioPort: 7178, videoPort: 9178 }) }], 'b');
    const d = await door({ call: { targets: [a.uri, b.uri], early_media: 'audio+video' } });
    d.station.ring();
    await until('early audio to both', () => d.media.audioDestinations.size === 2);
    b.reply({ status: 200, sdp: screenSdp({ audioPort: 7178, videoPort: 9178 }) });
    await until('the talk with b', () => d.media.talk);
    expect(d.media.talk).toMatchObject({ port: 7178 });
    expect(d.media.audioDestinations.size).toBe(0);
    expect([...d.media.destinations.values()].map((v) => v.port)).toEqual([9178]);
    await until('a CANCEL to a', () => methods(a).includes('CANCEL'));
  });

  it('with early_media = "video" no ringing screen hears the door', async () => {
    const a = await screen([{ status: 183, sdp: screenSdp() }], 'a');
    const d = await door({ call: { targets: [a.uri], early_media: 'video' } });
    d.station.ring();
    await until('early video', () => d.media.destinations.size === 1);
    expect(d.media.audioDestinations.size).toBe(0);
    expect(d.media.talk).toBeUndefined();
  });
});

describe('early media destinations (issue 12 row 10)', () => {
  it(`150 fake forks (one To-tag each) get media for ${MAX_EARLY_FORKS} at most`, async () => {
    const forks = Array.from({ length: 150 }, (_, i) => ({ status: 183, tag: `fake${i}`, sdp: screenSdp({ videoPort: 20000 + 2 * i, audioPort: 30000 + 2 * i }) }));
    const evil = await screen(forks, 'evil');
    const d = await door({ call: { targets: [evil.uri], early_media: 'audio+video' } });
    d.station.ring();
    await until('forks to be seen', () => d.lines.some((l) => l.includes(`more than ${MAX_EARLY_FORKS} early dialogs`)));
    await new Promise((r) => setTimeout(r, 200));
    expect(d.media.destinations.size).toBe(MAX_EARLY_FORKS);
    expect(d.media.audioDestinations.size).toBe(MAX_EARLY_FORKS);
    expect(d.lines.filter((l) => l.includes('early dialogs:'))).toHaveLength(1);
    console.log(`[door] 150 fake forks: ${d.media.destinations.size} video and ${d.media.audioDestinations.size} audio destinations`);
  });

  it.each(['255.255.255.255', '224.0.0.251', '0.0.0.0', '239.1.2.3'])('a fork aiming media at %s gets none', async (address) => {
    const evil = await screen([{ status: 183, sdp: screenSdp({ address }) }], 'evil');
    const d = await door({ call: { targets: [evil.uri], early_media: 'audio+video' } });
    d.station.ring();
    await until('the fork to be refused', () => d.lines.some((l) => l.includes(`${address} is an unspecified, multicast or broadcast address`)));
    expect(d.media.destinations.size).toBe(0);
    expect(d.media.audioDestinations.size).toBe(0);
  });

  it('a fork naming a good RTP address but a broadcast a=rtcp gets no video', async () => {
    const evil = await screen([{ status: 183, sdp: screenSdp({ rtcpAddress: '255.255.255.255' }) }], 'evil');
    const d = await door({ call: { targets: [evil.uri], early_media: 'video' } });
    d.station.ring();
    await until('the fork to be refused', () => d.lines.some((l) => l.includes('no video: 255.255.255.255')));
    expect(d.media.destinations.size).toBe(0);
  });
});

describe('who answered a call the door made (issue 12 row 11)', () => {
  const CODE = ['1', '2', '3', '4'] as const;

  it('a 200 whose To claims an allowed URI is still the URI the door called: its code is refused', async () => {
    const evil = await screen([{ status: 200, sdp: screenSdp(), to: 'sip:kitchen@127.0.0.1' }], 'evil');
    const d = await door({ call: { targets: [evil.uri] }, door: { allowed: ['sip:kitchen@127.0.0.1'], open_code: '1234' } });
    const refused: string[] = [];
    d.opener.on('refused', (r: { reason: string }) => refused.push(r.reason));
    const { id } = d.station.ring();
    await until('the call to run', () => d.station.get(id)?.state === CallState.StreamsRunning);
    expect(d.station.get(id)!.peer).toBe(evil.uri);
    for (const k of CODE) d.media.pressKey(k);
    expect(d.pulses).toBe(0);
    expect(refused).toContain('not-allowed');
    expect(d.lines.join('\n')).toMatch(/its To says sip:kitchen@127\.0\.0\.1/);
  });

  it('the URI the door called, when allowed (a group), opens with the code whatever the To says', async () => {
    const member = await screen([{ status: 200, sdp: screenSdp(), to: 'sip:hall@127.0.0.1' }], 'everyone');
    const d = await door({ call: { targets: [member.uri] }, door: { allowed: [member.uri], open_code: '1234' } });
    const { id } = d.station.ring();
    await until('the call to run', () => d.station.get(id)?.state === CallState.StreamsRunning);
    for (const k of CODE) d.media.pressKey(k);
    expect(d.pulses).toBe(1);
  });
});
