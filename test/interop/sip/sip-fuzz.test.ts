/**
 * The running daemon's SIP ports under mutated traffic: a few thousand
 * datagrams mutated from RFC 4475's torture messages and from our own
 * traffic (the door's INVITE with SDP, screens' 183/200, REGISTER with
 * digest credentials), then a TCP stream of the same, cut in random
 * chunks. Whatever it answers parses as a SIP response; it never exits;
 * it answers OPTIONS on UDP and on a fresh TCP connection afterwards; the
 * control socket still works. Seeded: a failure prints seed and case.
 * (sip-robustness.test.ts has the hand-written cases: 400 reasons, junk.)
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/message/index.js';
import { ALL } from '../../support/fixtures/rfc4475/messages.js';
import { OWN_TRAFFIC } from '../../support/fixtures/own-traffic.js';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { int, mutate, prng, report, show } from '../../support/fuzz.js';
import { answersOptionsWithin } from '../../support/kamailio.js';
import { freePort } from '../../support/ports.js';
import { optionsRequest } from '../../support/sip-options.js';

describe('SIP fuzz against the running daemon', () => {
  let d: RunningDaemon;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    // Nobody is allowed in: every INVITE that parses gets 403, none starts media.
    d = await startDaemon(`[sip]\nlisten = ["udp:127.0.0.1:${port}", "tcp:127.0.0.1:${port}"]\n[media]\nwidth = 160\nheight = 120\nframerate = 5\naudio_source = "none"\n`, { timeoutMs: 170_000 });
  }, 60_000);
  afterAll(async () => {
    await d.stop();
    d.cleanup();
  });

  /** Seeds with their Via pointing at `at`, so no answer goes to a port someone else may use. */
  function seeds(at: string): Buffer[] {
    const own = Object.values(OWN_TRAFFIC).map((b) => Buffer.from(b.toString('latin1').replaceAll('127.0.0.1:5060', at), 'latin1'));
    return [...own, ...own, ...Object.values(ALL).map((m) => m.bytes)];
  }

  it('a few thousand mutated datagrams: answers parse, OPTIONS still answered', async () => {
    const seed = 3261;
    const rnd = prng(seed);
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const replies: Buffer[] = [];
    s.on('message', (m) => replies.push(m));
    const sources = seeds(`127.0.0.1:${s.address().port}`);
    const cases = 3000;
    const sent: Buffer[] = [];
    const started = Date.now();
    for (let i = 0; i < cases; i++) {
      const b = mutate(sources[i % sources.length]!, rnd);
      sent.push(b);
      s.send(b, port, '127.0.0.1');
      // Paced so the kernel's socket buffer (not the daemon) is not what drops them.
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 20));
    }
    const sendMs = Date.now() - started;
    expect(await answersOptionsWithin(port, 20_000), d.output().slice(-3000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    s.close();
    expect(d.proc.exitCode, d.output().slice(-3000)).toBeNull();
    const statuses = new Map<number, number>();
    let echoes = 0;
    for (const [i, r] of replies.entries()) {
      // The status line is ours and must always be right; a 400 copies the request's bad headers (§8.2.6.2), so it may not parse whole.
      const line = /^SIP\/2\.0 (\d{3}) [^\r\n]*\r\n/.exec(r.toString('latin1'));
      if (!line || !r.includes('\r\n\r\n')) throw new Error(`reply ${i} (seed ${seed}) is not a SIP response:\n${show(r)}`);
      const status = Number(line[1]);
      try {
        parseMessage(r, { transport: 'datagram' });
      } catch (e) {
        if (status !== 400) throw new Error(`reply ${i} (seed ${seed}), a ${status}, does not parse: ${String(e)}\n${show(r)}`);
        echoes++;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([st, n]) => `${n}x${st}`).join(' ');
    report('daemon UDP, mutated RFC 4475 + own traffic', seed, cases, sendMs, `${replies.length} replies (${summary}), all SIP responses, ${echoes} of the 400s echo an unparseable header; OPTIONS answered after; daemon up`);
    expect(sent.length).toBe(cases);
  });

  it('a TCP stream of mutated messages in random chunks, then OPTIONS on a fresh connection', async () => {
    const seed = 793;
    const rnd = prng(seed);
    const sources = seeds('127.0.0.1:9');
    let connections = 0;
    let bytes = 0;
    const started = Date.now();
    for (let c = 0; c < 5; c++) {
      const data = Buffer.concat(Array.from({ length: 100 }, (_, i) => mutate(sources[(c * 100 + i) % sources.length]!, rnd)));
      bytes += data.length;
      connections++;
      await new Promise<void>((resolve) => {
        const sock = connect(port, '127.0.0.1', async () => {
          let at = 0;
          while (at < data.length && !sock.destroyed) {
            const len = 1 + int(rnd, 1500);
            sock.write(data.subarray(at, at + len));
            at += len;
            if (int(rnd, 10) === 0) await new Promise((r) => setTimeout(r, 2));
          }
          sock.end();
        });
        sock.on('data', () => {});
        sock.on('close', () => resolve());
        sock.on('error', () => resolve());
        setTimeout(() => {
          sock.destroy();
          resolve();
        }, 10_000);
      });
    }
    const tcpOk = await new Promise<string>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => sock.write(optionsRequest(port, 'tcpafter', `TCP 127.0.0.1:${sock.localPort}`)));
      let got = '';
      sock.on('data', (b: Buffer) => {
        got += b.toString();
        if (got.includes('\r\n\r\n')) sock.destroy();
      });
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
      setTimeout(() => sock.destroy(), 10_000);
    });
    expect(tcpOk).toMatch(/^SIP\/2\.0 200 /);
    expect(await answersOptionsWithin(port)).toBe(true);
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok/);
    expect(d.proc.exitCode).toBeNull();
    expect(d.output()).not.toMatch(/TypeError|RangeError|uncaught|unhandled/i);
    report('daemon TCP, mutated messages in random chunks (written until the daemon closes)', seed, 500, Date.now() - started, `${bytes} bytes on ${connections} connections; OPTIONS answered after on TCP and UDP; daemon up`);
  });
});
