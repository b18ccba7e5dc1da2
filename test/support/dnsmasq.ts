/**
 * A real name server on 127.0.0.1 for RFC 3263 tests: Debian's dnsmasq
 * (package dnsmasq-base) serving only the records a test gives it
 * (`--srv-host`, `--naptr-record`, `--host-record`), nothing upstream, no
 * /etc/hosts. Bounded in time and killed by PID.
 */
import { spawnSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { spawnBounded } from './bounded-process.js';
import { freePort } from './ports.js';

export const DNSMASQ = ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq'].find((p) => spawnSync(p, ['--version']).status === 0);
export const hasDnsmasq = DNSMASQ !== undefined;

export interface DnsRecords {
  /** `_sip._udp.myhouse` → targets: host, port, priority, weight. */
  srv?: Array<{ owner: string; target: string; port: number; priority?: number; weight?: number }>;
  /** NAPTR records (RFC 3403) with flag "S", pointing at an SRV owner. */
  naptr?: Array<{ owner: string; order: number; preference: number; service: 'SIP+D2U' | 'SIP+D2T' | 'SIPS+D2T'; replacement: string }>;
  /** Host name → IPv4 address. */
  hosts?: Record<string, string>;
}

export interface RunningDnsmasq {
  /** `127.0.0.1:PORT`, for `sip.dns_servers`. */
  server: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startDnsmasq(records: DnsRecords, lifetimeMs = 300_000): Promise<RunningDnsmasq> {
  const port = await freePort();
  const args = ['--no-daemon', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--pid-file=', '--log-queries', '--local-ttl=0'];
  for (const s of records.srv ?? []) args.push(`--srv-host=${s.owner},${s.target},${s.port},${s.priority ?? 10},${s.weight ?? 0}`);
  for (const n of records.naptr ?? []) args.push(`--naptr-record=${n.owner},${n.order},${n.preference},S,${n.service},,${n.replacement}`);
  for (const [name, address] of Object.entries(records.hosts ?? {})) args.push(`--host-record=${name},${address}`);
  const p = spawnBounded(DNSMASQ!, args, { stdio: ['ignore', 'pipe', 'pipe'] }, lifetimeMs);
  let out = '';
  p.proc.stdout!.on('data', (d: Buffer) => (out += d));
  p.proc.stderr!.on('data', (d: Buffer) => (out += d));
  const server = `127.0.0.1:${port}`;
  const r = new Resolver({ timeout: 300, tries: 1 });
  r.setServers([server]);
  const deadline = Date.now() + 10_000;
  // Ready when it answers (a REFUSED for a name it does not hold is an answer too).
  for (;;) {
    const answered = await r.resolve4('ready.invalid').then(
      () => true,
      (e: NodeJS.ErrnoException) => e.code !== 'ETIMEOUT' && e.code !== 'ECONNREFUSED',
    );
    if (answered) break;
    if (p.proc.exitCode !== null || Date.now() > deadline) {
      await p.kill();
      throw new Error(`dnsmasq did not start:\n${out}`);
    }
  }
  return { server, output: () => out, stop: () => p.kill() };
}
