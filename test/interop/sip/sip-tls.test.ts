/**
 * SIP over TLS against a real Kamailio (its tls module) with throwaway
 * certificates made by openssl: the daemon registers over TLS when
 * verification is off, refuses an untrusted or misnamed certificate when
 * it is on (saying which certificate problem, SPEC section 4), registers
 * when the CA is trusted, keeps the TLS flow alive with RFC 5626 CRLF
 * pings, and its own TLS listener serves its certificate and answers
 * OPTIONS, to Kamailio and to a plain TLS client.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converse, type RunningDaemon } from '../../support/daemon.js';
import { startDaemonCleanedBy } from '../../support/watched-daemon.js';
import { hasOpenssl, makeCerts, type Certs } from '../../support/tls-certs.js';
import { answersOptionsWithin, hasKamailio, startKamailio, type RunningKamailio } from '../../support/kamailio.js';
import { optionsOverStream } from '../../support/sip-options.js';
import { until } from '../../support/wait.js';

const KAMAILIO_TLS = '/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so';
const hasKamailioTls = hasKamailio && existsSync(process.arch === 'arm64' ? KAMAILIO_TLS.replace('x86_64', 'aarch64') : KAMAILIO_TLS);
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
    return startDaemonCleanedBy(
      cleanups,
      `[sip]\nlisten = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0", "tls:127.0.0.1:0"]\nidentity = "sip:door@myhouse"\n` +
        `tls_cert = "${certs.door.cert}"\ntls_key = "${certs.door.key}"\n` +
        (tlsVerify === undefined ? '' : `tls_verify = ${tlsVerify}\n`) +
        `[account]\nregistrar = "sip:127.0.0.1:${registrarTlsPort};transport=tls"\npassword = "tls-pw"\nexpires = 60\n` +
        `[log]\nlevel = "${level}"\n`,
      { env },
    );
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
    // Verifying against our CA proves the listener serves the configured certificate.
    const reply = await optionsOverStream({ protocol: 'tls', host: '127.0.0.1', port, branchPrefix: 'tls', tls: { ca: readFileSync(certs.ca) } });
    expect(reply).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(reply).toMatch(/\r\nVia: SIP\/2\.0\/TLS 127\.0\.0\.1:\d+;branch=z9hG4bKtls\d+;[^\r]*received=127\.0\.0\.1/);
    expect(reply).toMatch(/\r\nAllow: [^\r]*OPTIONS/);
  });
});
