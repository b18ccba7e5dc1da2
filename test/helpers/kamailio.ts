/**
 * A real Kamailio on 127.0.0.1 as registrar and forking proxy (the
 * Flexisip stand-in of LAB.md): digest users in an htable, usrloc in
 * memory, t_relay forking to every registered contact.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const hasKamailio = spawnSync('kamailio', ['-v']).status === 0;

export interface KamailioOptions {
  users?: Record<string, string>;
  /** Digest algorithm the registrar challenges with: "MD5" (default) or "SHA-256". */
  algorithm?: 'MD5' | 'SHA-256';
  domain?: string;
  port?: number;
  /** Longest binding the registrar grants, in seconds (short ones make refreshes quick to see). */
  maxExpires?: number;
}

export interface RunningKamailio {
  port: number;
  domain: string;
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

function config(port: number, o: Required<Pick<KamailioOptions, 'users' | 'algorithm' | 'domain' | 'maxExpires'>>): string {
  const users = Object.entries(o.users).map(([u, p]) => `    $sht(users=>${u}) = "${p}";`).join('\n');
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
alias="${o.domain}"
mpath="${process.arch === 'arm64' ? MODULES.replace('x86_64', 'aarch64') : MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "htable.so"
modparam("htable", "htable", "users=>size=4;")
modparam("auth", "algorithm", "${o.algorithm}")
modparam("auth", "nonce_expire", 60)
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", ${o.maxExpires})
modparam("registrar", "min_expires", 10)

event_route[htable:mod-init] {
${users}
}

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("OPTIONS") && uri == myself && $rU == $null) { sl_send_reply("200", "OK"); exit; }
  if (is_method("REGISTER")) {
    if (!pv_www_authenticate("${o.domain}", "$sht(users=>$fU)", "0")) {
      www_challenge("${o.domain}", "0");
      exit;
    }
    consume_credentials();
    if (!save("location")) sl_reply_error();
    exit;
  }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("INVITE")) record_route();
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
`;
}

export async function startKamailio(opts: KamailioOptions = {}): Promise<RunningKamailio> {
  const port = opts.port ?? (await freePort());
  const domain = opts.domain ?? 'myhouse';
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-'));
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config(port, { users: opts.users ?? { door: 'secret' }, algorithm: opts.algorithm ?? 'MD5', domain, maxExpires: opts.maxExpires ?? 120 }));
  const proc = spawn('kamailio', ['-f', cfg, '-DD', '-E', '-m', '64', '-M', '8', '-Y', dir, '-w', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (out += d));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 300_000);
  killer.unref();
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  while (!(await answersOptions(port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`kamailio did not start:\n${out.slice(-3000)}`);
    }
  }
  return {
    port,
    domain,
    proc,
    log: () => out,
    async stop() {
      clearTimeout(killer);
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const hard = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(hard);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** OPTIONS until a 200 comes back, for up to `withinMs` (a loaded machine answers late, not never). */
export async function answersOptionsWithin(port: number, withinMs = 10_000, host = '127.0.0.1'): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) if (await answersOptions(port, host)) return true;
  return false;
}

/** One OPTIONS datagram; true when a 200 comes back within 300 ms. */
export function answersOptions(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (v: boolean) => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    const t = setTimeout(() => done(false), 300);
    s.on('message', (m) => done(m.toString().startsWith('SIP/2.0 200')));
    s.on('error', () => done(false));
    s.bind(0, host, () => {
      const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
      const lp = s.address().port;
      const msg = [
        `OPTIONS sip:${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${host}:${lp};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:probe@${host}>;tag=p${lp}`,
        `To: <sip:${host}:${port}>`,
        `Call-ID: ${branch}@probe`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      s.send(msg, port, host);
    });
  });
}
