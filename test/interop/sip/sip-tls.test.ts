/**
 * SIP over TLS against a real Kamailio (its tls module) with throwaway
 * certificates made by openssl: the daemon registers over TLS when
 * verification is off, refuses an untrusted or misnamed certificate when
 * it is on (saying which certificate problem, SPEC section 4), registers
 * when the CA is trusted, keeps the TLS flow alive with RFC 5626 CRLF
 * pings, and its own TLS listener serves its certificate and answers
 * OPTIONS, to Kamailio and to a plain TLS client.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converse, startDaemon, tempDir, type RunningDaemon } from '../../support/daemon.js';
import { answersOptionsWithin, hasKamailio, startKamailio, type RunningKamailio } from '../../support/kamailio.js';
import { until } from '../../support/wait.js';

const KAMAILIO_TLS = '/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so';
const hasKamailioTls = hasKamailio && existsSync(process.arch === 'arm64' ? KAMAILIO_TLS.replace('x86_64', 'aarch64') : KAMAILIO_TLS);
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, timeout: 20_000, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

interface Certs {
  dir: string;
  ca: string;
  /** Name-checked for 127.0.0.1 and ::1, signed by `ca`. */
  server: { cert: string; key: string };
  /** Signed by `ca` but for another name only (a certificate for someone else). */
  misnamed: { cert: string; key: string };
  /** The door's own, for its TLS listener. */
  door: { cert: string; key: string };
}

/** A throwaway CA and three leaf certificates it signed (P-256 keys: quick to make). */
function makeCerts(): Certs {
  const dir = tempDir('doorstation-tls-');
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=doorstation test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = (name: string, san: string) => {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n`);
    openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.test`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  };
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    server: leaf('registrar', 'IP:127.0.0.1,IP:::1,DNS:localhost'),
    misnamed: leaf('elsewhere', 'DNS:elsewhere.example'),
    door: leaf('door', 'IP:127.0.0.1,DNS:localhost'),
  };
}

const registered = (d: RunningDaemon) => async () => {
  const out = await converse(d.socket, 'register-status 1\n');
  return out.includes('State: LinphoneRegistrationOk') ? out : undefined;
};

const failed = (d: RunningDaemon) => async () => {
  const out = await converse(d.socket, 'register-status 1\n');
  return out.includes('State: LinphoneRegistrationFailed') ? out : undefined;
};

/** The port the daemon's TLS listener got (the config asks for port 0). */
function tlsListenPort(d: RunningDaemon): number {
  const m = /listening on tls:127\.0\.0\.1:(\d+)/.exec(d.output());
  if (!m) throw new Error(`no tls listener in:\n${d.output()}`);
  return Number(m[1]);
}

describe.skipIf(!hasKamailioTls || !hasOpenssl)('SIP over TLS with Kamailio', () => {
  let certs: Certs;
  let kamailio: RunningKamailio;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    certs = makeCerts();
    kamailio = await startKamailio({ users: { door: 'tls-pw' }, tls: certs.server });
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await kamailio?.stop();
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  async function daemon(tlsVerify: boolean | undefined, registrarTlsPort: number, env: NodeJS.ProcessEnv = {}, level = 'debug'): Promise<RunningDaemon> {
    const d = await startDaemon(
      `[sip]\nlisten = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0", "tls:127.0.0.1:0"]\nidentity = "sip:door@myhouse"\n` +
        `tls_cert = "${certs.door.cert}"\ntls_key = "${certs.door.key}"\n` +
        (tlsVerify === undefined ? '' : `tls_verify = ${tlsVerify}\n`) +
        `[account]\nregistrar = "sip:127.0.0.1:${registrarTlsPort};transport=tls"\npassword = "tls-pw"\nexpires = 60\n` +
        `[log]\nlevel = "${level}"\n`,
      { env },
    );
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    return d;
  }

  it('registers over TLS with tls_verify = false, and Kamailio reaches the door over TLS through that binding', async () => {
    const d = await daemon(false, kamailio.tlsPort!, {}, 'trace');
    await until('registration over TLS', registered(d));
    expect(d.output()).toMatch(/registered at sip:127\.0\.0\.1:\d+;transport=tls for \d+ s/);
    expect(kamailio.log()).toMatch(/REGISTER from door over tls/);
    // Kamailio relays to the registered sips: Contact, opening TLS to the door's listener.
    expect(await answersOptionsWithin(kamailio.port, 10_000, '127.0.0.1', 'sip:door@myhouse')).toBe(true);
    await until('the relayed OPTIONS in the trace', () => /received from tls:127\.0\.0\.1:\d+:\\nOPTIONS sips:door@127\.0\.0\.1:\d+ SIP\/2\.0/.test(d.output()));
  });

  it('refuses an untrusted certificate when verifying (the default), naming the certificate problem', async () => {
    const seen = kamailio.log().length;
    const d = await daemon(undefined, kamailio.tlsPort!);
    await until('registration failure', failed(d));
    const line = d.output().split('\n').find((l) => /registration at .*transport=tls failed/.test(l));
    // OpenSSL's words for a chain that ends at a CA nobody trusts, and its code.
    expect(line).toMatch(/failed: tls connect to 127\.0\.0\.1:\d+: server certificate rejected: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    // Nothing was sent over the connection that failed verification: no credentials to an impostor.
    expect(kamailio.log().slice(seen)).not.toContain('REGISTER from door');
  });

  it('registers with verification on once the CA is trusted (NODE_EXTRA_CA_CERTS)', async () => {
    const d = await daemon(true, kamailio.tlsPort!, { NODE_EXTRA_CA_CERTS: certs.ca });
    await until('verified registration', registered(d));
    expect(d.output()).not.toMatch(/certificate rejected/);
  });

  it('refuses a trusted certificate issued for another name', async () => {
    const other = await startKamailio({ users: { door: 'tls-pw' }, tls: certs.misnamed });
    cleanups.push(() => other.stop());
    const d = await daemon(true, other.tlsPort!, { NODE_EXTRA_CA_CERTS: certs.ca });
    await until('registration failure', failed(d));
    expect(d.output()).toMatch(/server certificate rejected: .*IP: 127\.0\.0\.1 is not in the cert's list.*\(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });

  it('keeps the TLS flow alive with CRLF pings that Kamailio answers (RFC 5626 §4.4.1)', async () => {
    // Flow-Timer (RFC 5626 §5.4) shortens the interval from the default of about 2 minutes.
    const k = await startKamailio({ users: { door: 'tls-pw' }, tls: certs.server, flowTimer: 2 });
    cleanups.push(() => k.stop());
    const d = await daemon(false, k.tlsPort!);
    await until('registration over TLS', registered(d));
    expect(d.output()).toMatch(/tls flow to 127\.0\.0\.1:\d+: keep-alive every [12] s/);
    await until('a pong over TLS', () => /tls flow to 127\.0\.0\.1:\d+ answers keep-alives/.test(d.output()));
    expect(d.output()).not.toMatch(/no keep-alive pong/);
  });

  it("serves its own certificate on its TLS listener and answers OPTIONS there", async () => {
    const d = await daemon(false, kamailio.tlsPort!);
    const port = tlsListenPort(d);
    const reply = await new Promise<string>((resolve, reject) => {
      // Verifying against our CA proves the listener serves the configured certificate.
      const s = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(certs.ca) }, () => {
        const lp = s.localPort;
        s.write(
          [
            `OPTIONS sip:door@127.0.0.1:${port};transport=tls SIP/2.0`,
            `Via: SIP/2.0/TLS 127.0.0.1:${lp};branch=z9hG4bKtls${lp};rport`,
            'Max-Forwards: 70',
            `From: <sip:probe@127.0.0.1>;tag=t${lp}`,
            `To: <sip:door@127.0.0.1>`,
            `Call-ID: tls-options-${lp}`,
            'CSeq: 1 OPTIONS',
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        );
      });
      let text = '';
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`no answer over TLS; got ${JSON.stringify(text)}`));
      }, 10_000);
      s.on('data', (b: Buffer) => {
        text += b.toString('utf8');
        if (/\r\n\r\n/.test(text)) {
          clearTimeout(timer);
          s.end();
          resolve(text);
        }
      });
      s.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    expect(reply).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(reply).toMatch(/\r\nVia: SIP\/2\.0\/TLS 127\.0\.0\.1:\d+;branch=z9hG4bKtls\d+;[^\r]*received=127\.0\.0\.1/);
    expect(reply).toMatch(/\r\nAllow: [^\r]*OPTIONS/);
  });
});
