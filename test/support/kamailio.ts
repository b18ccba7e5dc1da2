/**
 * A real Kamailio on 127.0.0.1 as registrar and forking proxy (the
 * Flexisip stand-in of LAB.md): digest users in an htable, usrloc in
 * memory, t_relay forking to every registered contact.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
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
  /**
   * Group aliases, like Flexisip's static routes (LAB.md): a call to
   * `everyone@domain` forks to every contact registered by each member.
   */
  groups?: Record<string, string[]>;
  /** Users whose REGISTER is saved without a challenge (screens that are test stand-ins, e.g. SIPp). */
  openUsers?: string[];
  /** Address to listen on: 127.0.0.1 (default) or ::1. */
  host?: string;
  /** Also listen for TLS (a free port, `tlsPort`) with this certificate and key (PEM files); peers' certificates are not checked. */
  tls?: { cert: string; key: string };
  /** RFC 5626 §5.4: a Flow-Timer header (seconds) in every 2xx to REGISTER, asking for keep-alives that often. */
  flowTimer?: number;
}

export interface RunningKamailio {
  port: number;
  host: string;
  /** Set when started with `tls`. */
  tlsPort?: number;
  domain: string;
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
  /** SIGSTOP to every Kamailio process: connections stay open, nothing answers (a hung server). */
  pause(): void;
  resume(): void;
}

/** Extra config for the listeners: address, TLS, Flow-Timer. */
interface NetOptions {
  host: string;
  tlsPort?: number;
  tlsCfg?: string;
  flowTimer?: number;
}

const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

type ConfigOptions = Required<Pick<KamailioOptions, 'users' | 'algorithm' | 'domain' | 'maxExpires' | 'groups' | 'openUsers'>>;

function config(port: number, o: ConfigOptions, net: NetOptions = { host: '127.0.0.1' }): string {
  const users = Object.entries(o.users).map(([u, p]) => `    $sht(users=>${u}) = "${p}";`).join('\n');
  const open = o.openUsers.map((u) => `$fU == "${u}"`).join(' || ');
  // lookup_branches replaces the R-URI and every branch by their registered contacts: one INVITE forks to all members.
  const groups = Object.entries(o.groups)
    .map(([alias, members]) => {
      const [first, ...rest] = members.map((m) => `sip:${m}@${o.domain}`);
      return `  if ($rU == "${alias}") {\n    $ru = "${first}";\n${rest.map((m) => `    append_branch("${m}");\n`).join('')}    if (!lookup_branches("location")) { sl_send_reply("480", "Temporarily Unavailable"); exit; }\n    t_relay();\n    exit;\n  }\n`;
    })
    .join('');
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
listen=udp:${hostPort(net.host)}:${port}
listen=tcp:${hostPort(net.host)}:${port}
${net.tlsPort ? `enable_tls=yes\nlisten=tls:${hostPort(net.host)}:${net.tlsPort}\n` : ''}alias="${o.domain}"
mpath="${process.arch === 'arm64' ? MODULES.replace('x86_64', 'aarch64') : MODULES}"
${net.tlsCfg ? `loadmodule "tls.so"\nmodparam("tls", "config", "${net.tlsCfg}")\n` : ''}loadmodule "tm.so"
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
loadmodule "corex.so"
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
    xlog("L_INFO", "REGISTER from $fU over $pr from $si:$sp\n");
${net.flowTimer ? `    append_to_reply("Flow-Timer: ${net.flowTimer}\\r\\n");\n` : ''}    if (${open || '0'}) {
      if (!save("location")) sl_reply_error();
      exit;
    }
    if (!pv_www_authenticate("${o.domain}", "$sht(users=>$fU)", "0")) {
      www_challenge("${o.domain}", "0");
      exit;
    }
    consume_credentials();
    if (!save("location")) sl_reply_error();
    exit;
  }
  # CANCEL follows its INVITE's branches (tm), whatever its Request-URI would route to.
  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }
  if (has_totag()) {
    if (loose_route()) {
      # A GRUU (liblinphone's Contact) names us as host: find the device it stands for (LAB.md).
      if (uri == myself) lookup("location");
      t_relay();
      exit;
    }
    if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("INVITE")) record_route();
${groups}  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
`;
}

export async function startKamailio(opts: KamailioOptions = {}): Promise<RunningKamailio> {
  const port = opts.port ?? (await freePort());
  const domain = opts.domain ?? 'myhouse';
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-'));
  const cfg = join(dir, 'kamailio.cfg');
  const host = opts.host ?? '127.0.0.1';
  const tlsPort = opts.tls ? await freePort() : undefined;
  const tlsCfg = opts.tls ? join(dir, 'tls.cfg') : undefined;
  if (opts.tls && tlsCfg) writeFileSync(tlsCfg, tlsConfig(opts.tls));
  const net: NetOptions = { host, tlsPort, tlsCfg, flowTimer: opts.flowTimer };
  writeFileSync(cfg, config(port, { users: opts.users ?? { door: 'secret' }, algorithm: opts.algorithm ?? 'MD5', domain, maxExpires: opts.maxExpires ?? 120, groups: opts.groups ?? {}, openUsers: opts.openUsers ?? [] }, net));
  const proc = spawn('kamailio', ['-f', cfg, '-DD', '-E', '-m', '64', '-M', '8', '-Y', dir, '-w', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (out += d));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 300_000);
  killer.unref();
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  while (!(await answersOptions(port, host))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`kamailio did not start:\n${out.slice(-3000)}`);
    }
  }
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of [proc.pid!, ...descendants(proc.pid!)]) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  };
  return {
    port,
    host,
    tlsPort,
    domain,
    proc,
    log: () => out,
    pause: () => signalAll('SIGSTOP'),
    resume: () => signalAll('SIGCONT'),
    async stop() {
      clearTimeout(killer);
      // A paused Kamailio must wake up to hear SIGTERM.
      if (proc.exitCode === null) signalAll('SIGCONT');
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const hard = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(hard);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** OPTIONS until a 200 comes back, for up to `withinMs` (a loaded machine answers late, not never). */
export async function answersOptionsWithin(port: number, withinMs = 10_000, host = '127.0.0.1', requestUri?: string): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) if (await answersOptions(port, host, requestUri)) return true;
  return false;
}

/**
 * One OPTIONS datagram; true when a 200 comes back within 300 ms. With
 * `requestUri` (e.g. `sip:door@myhouse`) it asks Kamailio to relay it to
 * that user's registered contact, so a 200 proves the binding works.
 */
export function answersOptions(port: number, host = '127.0.0.1', requestUri?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
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
        `OPTIONS ${requestUri ?? `sip:${hostPort(host)}:${port}`} SIP/2.0`,
        `Via: SIP/2.0/UDP ${hostPort(host)}:${lp};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:probe@${hostPort(host)}>;tag=p${lp}`,
        `To: <${requestUri ?? `sip:${hostPort(host)}:${port}`}>`,
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

const hostPort = (host: string): string => (isIPv6(host) ? `[${host}]` : host);

/** Kamailio's tls module: our certificate for the server side; no peer certificate checks either way (tests only). */
function tlsConfig(o: { cert: string; key: string }): string {
  return `[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
private_key = ${o.key}
certificate = ${o.cert}

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
`;
}

/** Every process below `pid` (Kamailio forks its workers), from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...parent].filter(([, pp]) => frontier.includes(pp)).map(([p]) => p);
    out.push(...next);
    frontier = next;
  }
  return out;
}

/**
 * REGISTERs `contact` for `user` (one of `openUsers`) on a screen's behalf:
 * how a stand-in screen that cannot register itself (SIPp as UAS) gets a
 * binding the proxy forks to. True on 200.
 */
export function registerContact(k: RunningKamailio, user: string, contact: string, expires = 120): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (v: boolean) => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    const t = setTimeout(() => done(false), 3000);
    s.on('message', (m) => {
      const text = m.toString();
      if (/^SIP\/2\.0 1\d\d/.test(text)) return;
      done(text.startsWith('SIP/2.0 200'));
    });
    s.on('error', () => done(false));
    s.bind(0, '127.0.0.1', () => {
      const lp = s.address().port;
      const branch = `z9hG4bK${Math.random().toString(36).slice(2)}`;
      const msg = [
        `REGISTER sip:${k.domain} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: <sip:${user}@${k.domain}>;tag=r${lp}`,
        `To: <sip:${user}@${k.domain}>`,
        `Call-ID: ${branch}@register`,
        'CSeq: 1 REGISTER',
        `Contact: <${contact}>;expires=${expires}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      s.send(msg, k.port, '127.0.0.1');
    });
  });
}
