import { describe, expect, it } from 'vitest';
import { buildRtp } from '../../../../src/media/rtp/rtp-packet.js';
import { newMasterKey, parseMasterKey } from '../../../../src/media/srtp/master-key.js';
import { SrtcpProtector, SrtcpUnprotector } from '../../../../src/media/srtp/srtcp.js';
import { SrtpProtector } from '../../../../src/media/srtp/srtp-protect.js';
import { SrtpSession } from '../../../../src/media/srtp/srtp-session.js';
import { SrtpUnprotector } from '../../../../src/media/srtp/srtp-unprotect.js';
import { ReplayWindow } from '../../../../src/media/srtp/replay-window.js';

const rtp = (sequence: number, payload = Buffer.from('hello audio'), ssrc = 0x11223344) => buildRtp({ marker: false, payloadType: 0, sequence, timestamp: sequence * 160, ssrc }, payload);
const master = () => parseMasterKey(newMasterKey())!;

/** Two ends of one direction. */
function pair() {
  const k = master();
  return { tx: new SrtpProtector(k), rx: new SrtpUnprotector(k) };
}

describe('SRTP protect/unprotect (RFC 3711 §3.3)', () => {
  it('round-trips, with the payload encrypted and a 10-byte tag', () => {
    const { tx, rx } = pair();
    const plain = rtp(1000);
    const srtp = tx.protect(plain)!;
    expect(srtp).toHaveLength(plain.length + 10);
    expect(srtp.subarray(0, 12)).toEqual(plain.subarray(0, 12));
    expect(srtp.subarray(12, plain.length)).not.toEqual(plain.subarray(12));
    expect(rx.unprotect(srtp)).toEqual({ ok: true, packet: plain });
  });

  it('drops a packet whose tag or payload was changed, and one keyed otherwise', () => {
    const { tx, rx } = pair();
    const srtp = tx.protect(rtp(5))!;
    const badTag = Buffer.from(srtp);
    badTag[badTag.length - 1]! ^= 1;
    const badBody = Buffer.from(srtp);
    badBody[13]! ^= 1;
    expect(rx.unprotect(badTag)).toEqual({ ok: false, reason: 'auth' });
    expect(rx.unprotect(badBody)).toEqual({ ok: false, reason: 'auth' });
    expect(new SrtpUnprotector(master()).unprotect(srtp)).toEqual({ ok: false, reason: 'auth' });
    // The forgeries moved nothing: the real packet still passes.
    expect(rx.unprotect(srtp).ok).toBe(true);
  });

  it('drops replays, and packets too old for the window, but takes late ones inside it', () => {
    const { tx, rx } = pair();
    const packets = Array.from({ length: 200 }, (_, i) => tx.protect(rtp(i))!);
    expect(rx.unprotect(packets[0]!).ok).toBe(true);
    expect(rx.unprotect(packets[0]!)).toEqual({ ok: false, reason: 'replay' });
    expect(rx.unprotect(packets[150]!).ok).toBe(true);
    expect(rx.unprotect(packets[100]!).ok).toBe(true);
    expect(rx.unprotect(packets[10]!)).toEqual({ ok: false, reason: 'replay' });
  });

  it('follows the sequence number across a wrap (ROC 0 → 1)', () => {
    const { tx, rx } = pair();
    const seqs = [65530, 65531, 65535, 0, 1, 2, 65534, 3];
    const out = seqs.map((s) => tx.protect(rtp(s, Buffer.from(`p${s}`)))!);
    for (const [i, p] of out.entries()) {
      const r = rx.unprotect(p);
      expect(r.ok, `seq ${seqs[i]}`).toBe(true);
      if (r.ok) expect(r.packet.subarray(12).toString()).toBe(`p${seqs[i]}`);
    }
  });

  it('keeps separate state per SSRC (audio and a DTMF stream of its own)', () => {
    const { tx, rx } = pair();
    const a = tx.protect(rtp(10, Buffer.from('a'), 1))!;
    const b = tx.protect(rtp(10, Buffer.from('b'), 2))!;
    expect(rx.unprotect(a).ok).toBe(true);
    expect(rx.unprotect(b).ok).toBe(true);
  });

  it('refuses what is not RTP without throwing', () => {
    const { tx, rx } = pair();
    expect(tx.protect(Buffer.alloc(4))).toBeUndefined();
    expect(rx.unprotect(Buffer.alloc(4))).toEqual({ ok: false, reason: 'malformed' });
    expect(rx.unprotect(rtp(1).subarray(0, 16))).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('SRTCP (RFC 3711 §3.4)', () => {
  const sr = (ssrc = 0xcafebabe) => {
    const b = Buffer.alloc(28);
    b[0] = 0x80;
    b[1] = 200;
    b.writeUInt16BE(6, 2);
    b.writeUInt32BE(ssrc, 4);
    b.fill(0x5a, 8);
    return b;
  };

  it('round-trips with E-flag and index, first 8 bytes clear', () => {
    const k = master();
    const tx = new SrtcpProtector(k);
    const rx = new SrtcpUnprotector(k);
    const p0 = tx.protect(sr())!;
    const p1 = tx.protect(sr())!;
    expect(p0).toHaveLength(28 + 4 + 10);
    expect(p0.subarray(0, 8)).toEqual(sr().subarray(0, 8));
    expect(p0.readUInt32BE(28)).toBe(0x8000_0000);
    expect(p1.readUInt32BE(28)).toBe(0x8000_0001);
    expect(p0.subarray(8, 28)).not.toEqual(sr().subarray(8));
    expect(rx.unprotect(p1)).toEqual({ ok: true, packet: sr() });
    expect(rx.unprotect(p0)).toEqual({ ok: true, packet: sr() });
    expect(rx.unprotect(p0)).toEqual({ ok: false, reason: 'replay' });
  });

  it('drops a changed index or tag', () => {
    const k = master();
    const p = new SrtcpProtector(k).protect(sr())!;
    const rx = new SrtcpUnprotector(k);
    const badIndex = Buffer.from(p);
    badIndex[31]! ^= 1;
    expect(rx.unprotect(badIndex)).toEqual({ ok: false, reason: 'auth' });
    expect(rx.unprotect(Buffer.alloc(10))).toEqual({ ok: false, reason: 'malformed' });
    expect(new SrtcpProtector(k).protect(rtp(1))).toBeUndefined();
  });
});

describe('SrtpSession', () => {
  it('protects with our key, unprotects with theirs, counts drops', () => {
    const ours = newMasterKey();
    const theirs = newMasterKey();
    const door = SrtpSession.create({ local: ours, remote: theirs })!;
    const screen = SrtpSession.create({ local: theirs, remote: ours })!;
    const fromScreen = screen.protectRtp(rtp(7))!;
    expect(door.unprotectRtp(fromScreen)).toEqual(rtp(7));
    expect(door.unprotectRtp(fromScreen)).toBeUndefined();
    expect(door.unprotectRtp(door.protectRtp(rtp(8))!)).toBeUndefined();
    expect(door.unprotectRtp(Buffer.alloc(3))).toBeUndefined();
    expect(door.stats()).toEqual({ authFailures: 1, replays: 1, malformed: 1 });
  });

  it('refuses keys that are not 30 bytes of base64', () => {
    expect(SrtpSession.create({ local: newMasterKey(), remote: 'c2hvcnQ=' })).toBeUndefined();
    expect(SrtpSession.create({ local: '!!', remote: newMasterKey() })).toBeUndefined();
  });
});

describe('ReplayWindow', () => {
  it('slides', () => {
    const w = new ReplayWindow();
    w.accept(5);
    expect(w.check(5)).toBe(false);
    expect(w.check(4)).toBe(true);
    w.accept(1000);
    expect(w.check(4)).toBe(false);
    expect(w.check(999)).toBe(true);
    w.accept(999);
    expect(w.check(999)).toBe(false);
  });
});
