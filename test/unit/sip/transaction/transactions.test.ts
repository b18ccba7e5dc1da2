/**
 * The four state machines of RFC 3261 §17 (+ RFC 6026), every timer driven
 * with fake timers, over an unreliable (UDP) and a reliable (TCP) transport.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InviteClientTransaction } from '../../../../src/sip/transaction/invite-client-transaction.js';
import { InviteServerTransaction } from '../../../../src/sip/transaction/invite-server-transaction.js';
import { NonInviteClientTransaction } from '../../../../src/sip/transaction/non-invite-client-transaction.js';
import { NonInviteServerTransaction } from '../../../../src/sip/transaction/non-invite-server-transaction.js';

type Msg = { kind: string; status: number };
const req = (kind: string): Msg => ({ kind, status: 0 });
const res = (status: number): Msg => ({ kind: 'response', status });

function wire(reliable = false) {
  const sent: Array<{ at: number; msg: Msg }> = [];
  const start = Date.now();
  return { reliable, sent, send: (msg: Msg) => void sent.push({ at: Date.now() - start, msg }) };
}

function tu() {
  return { responses: [] as number[], timeouts: 0, errors: [] as string[], onResponse(r: Msg) { this.responses.push(r.status); }, onTimeout() { this.timeouts++; }, onTransportError(e: Error) { this.errors.push(e.message); } };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('INVITE client transaction (§17.1.1, RFC 6026)', () => {
  it('retransmits on UDP at T1, 2T1, 4T1… and times out with Timer B at 64*T1', () => {
    const w = wire();
    const u = tu();
    const t = new InviteClientTransaction('z9hG4bK1', req('INVITE'), w, u, () => req('ACK'));
    vi.advanceTimersByTime(64 * 500 - 1);
    expect(w.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(u.timeouts).toBe(0);
    vi.advanceTimersByTime(1);
    expect(u.timeouts).toBe(1);
    expect(t.state).toBe('Terminated');
  });

  it('never retransmits on TCP, but Timer B still fires', () => {
    const w = wire(true);
    const u = tu();
    new InviteClientTransaction('b', req('INVITE'), w, u, () => req('ACK'));
    vi.advanceTimersByTime(32_000);
    expect(w.sent).toHaveLength(1);
    expect(u.timeouts).toBe(1);
  });

  it('a 1xx stops retransmissions and Timer B (the callee may ring for minutes)', () => {
    const w = wire();
    const u = tu();
    const t = new InviteClientTransaction('b', req('INVITE'), w, u, () => req('ACK'));
    t.receiveResponse(res(180));
    vi.advanceTimersByTime(120_000);
    expect(w.sent).toHaveLength(1);
    expect(u.timeouts).toBe(0);
    expect(t.state).toBe('Proceeding');
    expect(u.responses).toEqual([180]);
  });

  it('3xx-6xx: ACKs it, ACKs each retransmission without telling the TU again, ends after Timer D', () => {
    const w = wire();
    const u = tu();
    const t = new InviteClientTransaction('b', req('INVITE'), w, u, () => req('ACK'));
    t.receiveResponse(res(183));
    t.receiveResponse(res(486));
    t.receiveResponse(res(486));
    expect(w.sent.map((s) => s.msg.kind)).toEqual(['INVITE', 'ACK', 'ACK']);
    expect(u.responses).toEqual([183, 486]);
    expect(t.state).toBe('Completed');
    vi.advanceTimersByTime(31_999);
    expect(t.state).toBe('Completed');
    vi.advanceTimersByTime(1);
    expect(t.state).toBe('Terminated');
  });

  it('Timer D is 0 on reliable transports', () => {
    const t = new InviteClientTransaction('b', req('INVITE'), wire(true), tu(), () => req('ACK'));
    t.receiveResponse(res(603));
    vi.advanceTimersByTime(0);
    expect(t.state).toBe('Terminated');
  });

  it('2xx → Accepted: every 2xx retransmission reaches the TU (it re-ACKs), Timer M ends it', () => {
    const w = wire();
    const u = tu();
    const t = new InviteClientTransaction('b', req('INVITE'), w, u, () => req('ACK'));
    const ended = vi.fn();
    t.onTerminated(ended);
    t.receiveResponse(res(200));
    t.receiveResponse(res(200));
    expect(u.responses).toEqual([200, 200]);
    expect(w.sent).toHaveLength(1); // the TU sends the 2xx ACK, not the transaction
    expect(t.state).toBe('Accepted');
    vi.advanceTimersByTime(64 * 500);
    expect(t.state).toBe('Terminated');
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('a lost 200 on UDP: the INVITE retransmission still gets its answer later (forked 2xx race)', () => {
    const w = wire();
    const u = tu();
    const t = new InviteClientTransaction('b', req('INVITE'), w, u, () => req('ACK'));
    vi.advanceTimersByTime(1600); // two retransmissions, responses lost
    t.receiveResponse(res(200));
    vi.advanceTimersByTime(10_000);
    expect(w.sent).toHaveLength(3);
    expect(u.responses).toEqual([200]);
  });

  it('a transport error in Calling tells the TU and terminates', () => {
    const u = tu();
    const t = new InviteClientTransaction('b', req('INVITE'), { reliable: true, send: () => { throw new Error('ECONNREFUSED'); } }, u, () => req('ACK'));
    expect(u.errors).toEqual(['ECONNREFUSED']);
    expect(t.state).toBe('Terminated');
  });

  it('honours scaled timers', () => {
    const w = wire();
    const u = tu();
    new InviteClientTransaction('b', req('INVITE'), w, u, () => req('ACK'), { T1: 100 });
    vi.advanceTimersByTime(6400);
    expect(u.timeouts).toBe(1);
  });
});

describe('non-INVITE client transaction (§17.1.2)', () => {
  it('Timer E doubles up to T2 on UDP and Timer F fires at 64*T1', () => {
    const w = wire();
    const u = tu();
    new NonInviteClientTransaction('b', req('REGISTER'), w, u);
    vi.advanceTimersByTime(32_000);
    expect(w.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(u.timeouts).toBe(1);
  });

  it('in Proceeding, retransmits every T2', () => {
    const w = wire();
    const t = new NonInviteClientTransaction('b', req('BYE'), w, tu());
    t.receiveResponse(res(100));
    vi.advanceTimersByTime(500 + 4000 + 4000);
    expect(w.sent.map((s) => s.at)).toEqual([0, 500, 4500, 8500]);
  });

  it('final response → Completed, retransmissions absorbed, Timer K = T4', () => {
    const w = wire();
    const u = tu();
    const t = new NonInviteClientTransaction('b', req('OPTIONS'), w, u);
    t.receiveResponse(res(200));
    t.receiveResponse(res(200));
    expect(u.responses).toEqual([200]);
    vi.advanceTimersByTime(4999);
    expect(t.state).toBe('Completed');
    vi.advanceTimersByTime(1);
    expect(t.state).toBe('Terminated');
    expect(w.sent).toHaveLength(1);
  });

  it('no retransmissions on TCP; Timer K = 0', () => {
    const w = wire(true);
    const t = new NonInviteClientTransaction('b', req('MESSAGE'), w, tu());
    vi.advanceTimersByTime(10_000);
    expect(w.sent).toHaveLength(1);
    t.receiveResponse(res(202));
    vi.advanceTimersByTime(0);
    expect(t.state).toBe('Terminated');
  });
});

describe('INVITE server transaction (§17.2.1, RFC 6026)', () => {
  it('resends the last provisional on a retransmitted INVITE', () => {
    const w = wire();
    const t = new InviteServerTransaction('b', req('INVITE'), w);
    t.receiveRequest(); // nothing sent yet: nothing to resend
    t.respond(res(100));
    t.respond(res(180));
    t.receiveRequest();
    expect(w.sent.map((s) => s.msg.status)).toEqual([100, 180, 180]);
  });

  it('3xx-6xx: Timer G resends until the ACK, then Confirmed and Timer I', () => {
    const w = wire();
    const t = new InviteServerTransaction('b', req('INVITE'), w);
    t.respond(res(486));
    vi.advanceTimersByTime(500 + 1000 + 2000 + 4000 + 4000);
    expect(w.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 11500]);
    t.receiveAck(req('ACK'));
    expect(t.state).toBe('Confirmed');
    vi.advanceTimersByTime(8000);
    expect(w.sent).toHaveLength(6);
    expect(t.state).toBe('Terminated');
  });

  it('Timer H: no ACK in 64*T1 tells the TU', () => {
    const onTimeout = vi.fn();
    const t = new InviteServerTransaction('b', req('INVITE'), wire(), { onTimeout });
    t.respond(res(403));
    vi.advanceTimersByTime(32_000);
    expect(onTimeout).toHaveBeenCalledOnce();
    expect(t.state).toBe('Terminated');
  });

  it('2xx → Accepted: INVITE retransmissions absorbed, ACK to the TU, TU 2xx retransmissions sent, Timer L ends it', () => {
    const w = wire();
    const onAck = vi.fn();
    const t = new InviteServerTransaction('b', req('INVITE'), w, { onAck });
    t.respond(res(200));
    t.receiveRequest();
    t.respond(res(200));
    t.receiveAck(req('ACK'));
    expect(w.sent.map((s) => s.msg.status)).toEqual([200, 200]);
    expect(onAck).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(32_000);
    expect(t.state).toBe('Terminated');
  });
});

describe('non-INVITE server transaction (§17.2.2)', () => {
  it('drops retransmissions in Trying, answers them with the last response after', () => {
    const w = wire();
    const t = new NonInviteServerTransaction('b', req('OPTIONS'), w);
    t.receiveRequest();
    expect(w.sent).toHaveLength(0);
    t.respond(res(200));
    t.receiveRequest();
    expect(w.sent.map((s) => s.msg.status)).toEqual([200, 200]);
    t.respond(res(500)); // a second final response is ignored
    expect(w.sent).toHaveLength(2);
  });

  it('Timer J = 64*T1 on UDP, 0 on TCP', () => {
    const udp = new NonInviteServerTransaction('b', req('BYE'), wire());
    udp.respond(res(200));
    vi.advanceTimersByTime(31_999);
    expect(udp.state).toBe('Completed');
    vi.advanceTimersByTime(1);
    expect(udp.state).toBe('Terminated');
    const tcp = new NonInviteServerTransaction('b', req('BYE'), wire(true));
    tcp.respond(res(200));
    vi.advanceTimersByTime(0);
    expect(tcp.state).toBe('Terminated');
  });
});

describe('client transactions when their TCP/TLS connection closes (§18.4)', () => {
  it('a non-INVITE in Trying or Proceeding fails at once with a transport error, before Timer F', () => {
    for (const provisional of [false, true]) {
      const u = tu();
      const t = new NonInviteClientTransaction('r', req('REGISTER'), wire(true), u);
      if (provisional) t.receiveResponse(res(100));
      vi.advanceTimersByTime(1000);
      t.connectionLost(new Error('tcp connection closed before a final response'));
      expect(u.errors).toEqual(['tcp connection closed before a final response']);
      expect(t.state).toBe('Terminated');
      vi.advanceTimersByTime(64 * 500);
      expect(u.timeouts).toBe(0);
    }
  });

  it('an INVITE in Calling or Proceeding fails at once; one in Completed or Accepted is left alone', () => {
    for (const first of [undefined, 180]) {
      const u = tu();
      const t = new InviteClientTransaction('i', req('INVITE'), wire(true), u, () => req('ACK'));
      if (first) t.receiveResponse(res(first));
      t.connectionLost(new Error('closed'));
      expect(u.errors).toEqual(['closed']);
      expect(t.state).toBe('Terminated');
    }
    for (const final of [486, 200]) {
      const u = tu();
      const t = new InviteClientTransaction('i', req('INVITE'), wire(true), u, () => req('ACK'));
      t.receiveResponse(res(final));
      const state = t.state;
      t.connectionLost(new Error('closed'));
      expect(u.errors).toEqual([]);
      expect(t.state).toBe(state);
    }
  });

  it('a non-INVITE already answered (Completed) is left alone', () => {
    const u = tu();
    const t = new NonInviteClientTransaction('r', req('REGISTER'), wire(false), u);
    t.receiveResponse(res(200));
    t.connectionLost(new Error('closed'));
    expect(u.errors).toEqual([]);
    expect(t.state).toBe('Completed');
  });
});
