/**
 * Soak: ring / hang up cycles against a screen that answers 180, printing
 * the daemon's RSS and open file descriptors as the cycles go by. Flat
 * figures mean no leak per call. Run: npx tsx bench/call-soak.ts [cycles]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { converse, startDaemon } from '../test/helpers/daemon.js';
import { freeRtpRange } from '../test/helpers/gst-ports.js';
import { freePort } from '../test/helpers/ports.js';

const cycles = Number(process.argv[2] ?? 300);

function sample(pid: number): { rssKiB: number; fds: number } {
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { rssKiB: Number(rss), fds: readdirSync(`/proc/${pid}/fd`).length };
}

const port = await freePort();
const screen = createSocket('udp4');
let invites = 0;
screen.on('message', (m, rinfo) => {
  const text = m.toString();
  const keep = text.split('\r\n').filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l));
  const to = /^To:.*$/im.exec(text)?.[0] ?? '';
  if (text.startsWith('INVITE ')) {
    invites++;
    screen.send(['SIP/2.0 180 Ringing', ...keep, `${to};tag=soak`, 'Content-Length: 0', '', ''].join('\r\n'), rinfo.port, rinfo.address);
  } else if (text.startsWith('CANCEL ')) {
    screen.send(['SIP/2.0 200 OK', ...keep, `${to};tag=soak`, 'Content-Length: 0', '', ''].join('\r\n'), rinfo.port, rinfo.address);
    const inviteCSeq = keep.map((l) => l.replace(/^CSeq:\s*(\d+) CANCEL$/i, 'CSeq: $1 INVITE'));
    screen.send(['SIP/2.0 487 Request Terminated', ...inviteCSeq, `${to};tag=soak`, 'Content-Length: 0', '', ''].join('\r\n'), rinfo.port, rinfo.address);
  }
});
await new Promise<void>((r) => screen.bind(port, '127.0.0.1', () => r()));
const d = await startDaemon(`[call]\ntargets = ["sip:screen@127.0.0.1:${port}"]\n[media]\nrtp_ports = "${await freeRtpRange(8)}"\n`, { timeoutMs: 3_600_000 });
const pid = d.proc.pid!;
const samples: Array<{ cycle: number; rssKiB: number; fds: number }> = [];
const started = Date.now();
for (let i = 1; i <= cycles; i++) {
  await converse(d.socket, 'ring\n', { quietMs: 2000, until: (t) => t.endsWith('\n\n') });
  await new Promise((r) => setTimeout(r, 20));
  await converse(d.socket, 'terminate\npop-event\n'.concat('pop-event\n'.repeat(8)), { quietMs: 2000, until: (t) => (t.match(/Status:/g) ?? []).length >= 10 });
  if (i === 1 || i % Math.max(1, Math.floor(cycles / 10)) === 0) samples.push({ cycle: i, ...sample(pid) });
}
const first = samples[1] ?? samples[0]!;
const last = samples.at(-1)!;
console.log(
  JSON.stringify(
    {
      bench: 'call-soak',
      cycles,
      invites,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      rssKiB: { afterWarmup: first.rssKiB, end: last.rssKiB, growthPerCall: Math.round(((last.rssKiB - first.rssKiB) / Math.max(1, last.cycle - first.cycle)) * 100) / 100 },
      fds: { afterWarmup: first.fds, end: last.fds },
      samples,
    },
    null,
    2,
  ),
);
await d.stop();
d.cleanup();
screen.close();
