/**
 * Hundreds of random and truncated datagrams at the daemon's SIP port, and
 * junk on TCP: it answers malformed requests with 400 naming the problem
 * where it can, and still answers OPTIONS afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { answersOptionsWithin } from '../../support/kamailio.js';
import { freePort } from '../../support/ports.js';
import { optionsRequest } from '../../support/sip-options.js';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';

describe('SIP robustness', () => {
  let d: RunningDaemon;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    d = await startDaemon(`[sip]\nlisten = ["udp:127.0.0.1:${port}", "tcp:127.0.0.1:${port}"]\n`);
  });
  afterAll(async () => {
    await d.stop();
    d.cleanup();
  });

  it('answers OPTIONS with 200 and its Allow list', async () => {
    const reply = await udpExchange(port, Buffer.from(optionsRequest(port, 'ok1')));
    expect(reply).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(reply).toMatch(/\r\nAllow: .*INVITE/);
    // RFC 3581 §4: rport filled with the real source port, received added.
    expect(reply).toMatch(/\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:9;branch=z9hG4bKok1;rport=\d+;received=127\.0\.0\.1\r\n/);
  });

  it('answers a malformed request with 400 and a reason naming the problem', async () => {
    const bad = optionsRequest(port, 'bad1').replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS');
    expect(await udpExchange(port, Buffer.from(bad))).toMatch(/^SIP\/2\.0 400 Bad CSeq/);
  });

  it('survives 600 random, truncated and mutated datagrams and still answers OPTIONS', async () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const valid = Buffer.from(optionsRequest(port, 'base'));
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    for (let i = 0; i < 600; i++) {
      let b: Buffer;
      if (i % 3 === 0) b = Buffer.from(Array.from({ length: 1 + rnd(1500) }, () => rnd(256)));
      else if (i % 3 === 1) b = valid.subarray(0, rnd(valid.length));
      else {
        b = Buffer.from(valid);
        for (let k = 0; k < 1 + rnd(8); k++) b[rnd(b.length)] = rnd(256);
      }
      s.send(b, port, '127.0.0.1');
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    s.close();
    expect(await answersOptionsWithin(port)).toBe(true);
    expect(d.proc.exitCode).toBeNull();
  });

  it('closes a TCP connection that sends junk, and keeps serving', async () => {
    await new Promise<void>((resolve) => {
      const c = connect(port, '127.0.0.1', () => c.write(Buffer.from('GARBAGE\r\n\r\n'.repeat(10) + '\0'.repeat(70_000))));
      c.on('close', () => resolve());
      c.on('error', () => resolve());
      setTimeout(() => { c.destroy(); resolve(); }, 3000);
    });
    expect(await answersOptionsWithin(port)).toBe(true);
    expect(await converse(d.socket, 'version\n')).toMatch(/^Status: Ok/);
  });
});

function udpExchange(port: number, data: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error('no SIP reply')); }, 3000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString()); });
    s.bind(0, '127.0.0.1', () => s.send(data, port, '127.0.0.1'));
  });
}
