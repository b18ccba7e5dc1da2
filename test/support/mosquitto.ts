/**
 * Debian's mosquitto, started by a test on 127.0.0.1 with its own config:
 * TLS (a CA and server certificate made by openssl in a temp dir), a
 * password file (mosquitto_passwd), anonymous clients refused, and
 * persistence on, so a broker stopped and started again keeps the
 * persistent sessions and their queued QoS 1 messages.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { spawnBounded, type BoundedProcess } from './bounded-process.js';
import { freePort } from './ports.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const mosquittoInstalled = existsSync(MOSQUITTO) && existsSync('/usr/bin/mosquitto_passwd');

export interface Broker {
  url: string;
  port: number;
  ca: string;
  username: string;
  password: string;
  output(): string;
  /** Stops it the way an init system does (SIGTERM: persistence is written), resolved once gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same persistence. */
  restart(): Promise<void>;
  kill(): Promise<void>;
}

/** A CA and a server certificate for 127.0.0.1 (P-256 keys: quick to make). */
function makeCerts(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=doorstation test CA');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
}

async function listening(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto not listening on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startMosquitto(dir: string): Promise<Broker> {
  makeCerts(dir);
  const username = 'door';
  const password = 'mqtt-secret-123';
  execFileSync('mosquitto_passwd', ['-c', '-b', join(dir, 'passwd'), username, password], { stdio: 'pipe' });
  execFileSync('mosquitto_passwd', ['-b', join(dir, 'passwd'), 'ha', password], { stdio: 'pipe' });
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      'user root',
      'per_listener_settings false',
      'allow_anonymous false',
      `password_file ${join(dir, 'passwd')}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest stdout',
      'log_type all',
      `listener ${port} 127.0.0.1`,
      `cafile ${join(dir, 'ca.crt')}`,
      `certfile ${join(dir, 'server.crt')}`,
      `keyfile ${join(dir, 'server.key')}`,
      '',
    ].join('\n'),
  );
  let out = '';
  let p: BoundedProcess;
  const run = async () => {
    p = spawnBounded(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] }, 120_000);
    p.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await listening(port, 10_000);
  };
  await run();
  return {
    url: `mqtts://127.0.0.1:${port}`,
    port,
    ca: join(dir, 'ca.crt'),
    username,
    password,
    output: () => out,
    stop: async () => {
      if (p.proc.pid !== undefined && p.proc.exitCode === null) process.kill(p.proc.pid, 'SIGTERM');
      await p.exited;
    },
    restart: run,
    kill: () => p.kill(),
  };
}
