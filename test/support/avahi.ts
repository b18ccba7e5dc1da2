/**
 * Debian's avahi-daemon as the LAN's mDNS responder, run by a test in its
 * own network namespace, joined to the test's namespace by a veth pair, so
 * its multicast never reaches the machine's real LAN (nor theirs ours).
 *
 * It runs without D-Bus (`enable-dbus=no`) and announces what static files
 * say: `services/*.service` (DNS-SD services) and `hosts` (A records for
 * names such as registrar.local). `ip netns exec` bind-mounts
 * /etc/netns/NAME/avahi over /etc/avahi for that command only, which is
 * how this avahi gets its own config without touching the machine's; a
 * tmpfs over /run/avahi-daemon (in that command's own mount namespace)
 * keeps its pid file apart from any other avahi.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnBounded, type BoundedProcess } from './bounded-process.js';

export const avahiInstalled = existsSync('/usr/sbin/avahi-daemon') && process.getuid?.() === 0;

export interface AvahiService {
  name: string;
  /** e.g. `_sip._udp` */
  type: string;
  port: number;
  host?: string;
  txt?: string[];
}

export interface AvahiLan {
  /** avahi's network namespace (for `ip netns exec`). */
  ns: string;
  /** The test's end of the veth (root namespace) and avahi's end. */
  localAddress: string;
  avahiAddress: string;
  /** avahi's own host name, resolvable as NAME.local. */
  avahiHost: string;
  output(): string;
  stop(): Promise<void>;
}

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function serviceFile(s: AvahiService): string {
  return [
    '<?xml version="1.0" standalone="no"?>',
    '<!DOCTYPE service-group SYSTEM "avahi-service.dtd">',
    '<service-group>',
    `  <name>${escapeXml(s.name)}</name>`,
    '  <service>',
    `    <type>${s.type}</type>`,
    `    <port>${s.port}</port>`,
    ...(s.host ? [`    <host-name>${s.host}</host-name>`] : []),
    ...(s.txt ?? []).map((t) => `    <txt-record>${escapeXml(t)}</txt-record>`),
    '  </service>',
    '</service-group>',
    '',
  ].join('\n');
}

/**
 * `hosts`: name → address lines for avahi's static hosts file (it may name
 * `localAddress`, known before avahi starts: use the `LOCAL` placeholder).
 */
export async function startAvahiLan(services: AvahiService[], hosts: Record<string, 'LOCAL' | 'AVAHI'> = {}): Promise<AvahiLan> {
  const id = randomBytes(3).toString('hex');
  const ns = `dsav${id}`;
  const vr = `va${id}r`;
  const vn = `va${id}n`;
  const x = 100 + Math.floor(Math.random() * 100);
  const y = Math.floor(Math.random() * 64) * 4;
  const localAddress = `10.${x}.${y}.1`;
  const avahiAddress = `10.${x}.${y}.2`;
  const avahiHost = `screen${id}`;
  const etc = `/etc/netns/${ns}`;
  let p: BoundedProcess | undefined;
  const destroy = () => {
    spawnSync('ip', ['link', 'del', vr]);
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(etc, { recursive: true, force: true });
  };
  try {
    must('ip', ['netns', 'add', ns]);
    must('ip', ['link', 'add', vr, 'type', 'veth', 'peer', 'name', vn]);
    must('ip', ['link', 'set', vn, 'netns', ns]);
    must('ip', ['addr', 'add', `${localAddress}/30`, 'dev', vr]);
    must('ip', ['link', 'set', vr, 'up']);
    must('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${avahiAddress}/30`, 'dev', vn]);
    must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', vn, 'up']);
    must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);

    mkdirSync(join(etc, 'avahi', 'services'), { recursive: true });
    const conf = join(etc, 'avahi', 'avahi-daemon.conf');
    writeFileSync(
      conf,
      [
        '[server]',
        `host-name=${avahiHost}`,
        'domain-name=local',
        'use-ipv4=yes',
        'use-ipv6=no',
        `allow-interfaces=${vn}`,
        'enable-dbus=no',
        'ratelimit-interval-usec=0',
        '[wide-area]',
        'enable-wide-area=no',
        '[publish]',
        'publish-hinfo=no',
        'publish-workstation=no',
        '[reflector]',
        '[rlimits]',
        '',
      ].join('\n'),
    );
    writeFileSync(join(etc, 'avahi', 'hosts'), Object.entries(hosts).map(([name, who]) => `${who === 'LOCAL' ? localAddress : avahiAddress} ${name}\n`).join(''));
    services.forEach((s, i) => writeFileSync(join(etc, 'avahi', 'services', `s${i}.service`), serviceFile(s)));

    let out = '';
    const script = 'mkdir -p /run/avahi-daemon && mount -t tmpfs tmpfs /run/avahi-daemon && exec avahi-daemon --no-drop-root --no-chroot --no-rlimits --debug -f /etc/avahi/avahi-daemon.conf';
    p = spawnBounded('ip', ['netns', 'exec', ns, 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] }, 120_000);
    p.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 15_000;
    // Probing (RFC 6762 §8.1) takes about a second; avahi says when its host name is settled.
    while (!out.includes('Server startup complete')) {
      if (p.proc.exitCode !== null || Date.now() > deadline) throw new Error(`avahi-daemon did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const proc = p;
    return {
      ns,
      localAddress,
      avahiAddress,
      avahiHost,
      output: () => out,
      stop: async () => {
        await proc.kill();
        destroy();
      },
    };
  } catch (e) {
    await p?.kill();
    destroy();
    throw e;
  }
}
