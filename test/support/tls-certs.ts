/**
 * Throwaway TLS certificates for tests, made by openssl: a CA and leaf
 * certificates it signed (P-256 keys: quick to make).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './daemon.js';

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, timeout: 20_000, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

export interface Certs {
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
export function makeCerts(): Certs {
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
