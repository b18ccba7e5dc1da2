/**
 * Deployment: the systemd units as systemd itself judges them, the install
 * script in a scratch root (never the real system), the default config
 * against the schema (docs/configuration.md is checked by the unit tests),
 * and the Yocto layer's BitBake essentials.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, parseConfigText } from '../../../src/config/load.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const UNITS = ['doorstation.socket', 'doorstation.service'];
const LAYER = join(REPO, 'yocto/meta-doorstation');
const RECIPE = join(LAYER, 'recipes-doorstation/doorstation/doorstation_git.bb');

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL', cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env } });
}
const has = (cmd: string, args = ['--version']) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const hasAnalyze = has('systemd-analyze');
const NO_ANALYZE = 'systemd-analyze missing (Debian package systemd; scripts/setup installs it)';
/** Where this system keeps its units, to give the fake root the targets ours refer to. */
const SYSTEM_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => existsSync(join(d, 'sysinit.target')));

const temps: string[] = [];
function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/**
 * verify checks that ExecStart= exists, so it runs against a scratch root
 * holding the system's own units (sysinit.target and the rest ours name)
 * plus, unless the root already has it, a stand-in /usr/bin/doorstation.
 */
function verifyIn(root: string): SpawnSyncReturns<string> {
  cpSync(SYSTEM_UNITS!, join(root, 'usr/lib/systemd/system'), { recursive: true });
  const bin = join(root, 'usr/bin/doorstation');
  if (!existsSync(bin)) {
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
  }
  return run('systemd-analyze', ['verify', `--root=${root}`, ...UNITS]);
}

describe.skipIf(!hasAnalyze || !SYSTEM_UNITS)(`systemd units${hasAnalyze ? '' : ` (skipped: ${NO_ANALYZE})`}`, () => {
  it('pass systemd-analyze verify with no message at all', () => {
    const root = temp('doorstation-verify-');
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    for (const u of UNITS) cpSync(join(REPO, 'systemd', u), join(root, 'etc/systemd/system', u));
    const r = verifyIn(root);
    // verify exits 0 even for unknown keys; any output is a finding.
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('rate the service 3.0 or better in systemd-analyze security --offline', () => {
    const r = run('systemd-analyze', ['security', '--offline=true', '--no-pager', join(REPO, 'systemd/doorstation.service')]);
    const m = /Overall exposure level for doorstation\.service: (\d+(?:\.\d+)?)/.exec(r.stdout);
    expect(m, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(3.0);
  });

  it('keep what a door station needs inside the sandbox', () => {
    const unit = readFileSync(join(REPO, 'systemd/doorstation.service'), 'utf8');
    const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
    expect(values('Type')).toEqual(['notify']);
    expect(values('NotifyAccess')).toEqual(['all']);
    expect(values('WatchdogSec')).toEqual(['30']);
    expect(values('Restart')).toEqual(['on-failure']);
    expect(values('User')).toEqual(['doorstation']);
    expect(values('SupplementaryGroups').join(' ').split(' ')).toEqual(['gpio', 'video', 'audio']);
    expect(values('RestrictAddressFamilies').join(' ').split(' ')).toEqual(expect.arrayContaining(['AF_INET', 'AF_INET6', 'AF_UNIX']));
    // V8 writes machine code at run time.
    expect(values('MemoryDenyWriteExecute')).not.toContain('yes');
    expect(values('DeviceAllow').map((v) => v.split(' ')[0])).toEqual(
      expect.arrayContaining(['char-gpiochip', 'char-video4linux', 'char-alsa', 'char-media', 'char-dma_heap']),
    );
    expect(values('ReadWritePaths').join(' ')).toContain('/sys/class/gpio');
    const socket = readFileSync(join(REPO, 'systemd/doorstation.socket'), 'utf8');
    expect(socket).toMatch(/^ListenStream=\/tmp\/doorbell$/m);
    expect(socket).toMatch(/^SocketMode=0660$/m);
    expect(socket).toMatch(/^SocketGroup=doorstation$/m);
  });
});

describe('scripts/install in a scratch DESTDIR', () => {
  const distBuilt = existsSync(join(REPO, 'dist/doorstation.mjs'));
  const root = temp('doorstation-destdir-');
  const install = (...args: string[]) => run(join(REPO, 'scripts/install'), args, { env: { DESTDIR: root } });

  it.skipIf(!distBuilt)(`installs twice, keeps an edited config, uninstalls twice${distBuilt ? '' : ' (skipped: run npm run build first)'}`, () => {
    for (let i = 0; i < 2; i++) {
      const r = install('--no-build');
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/skipping Debian packages, user creation and systemctl/);
      if (i === 0) writeFileSync(join(root, 'etc/doorstation/doorstation.toml'), '# edited by the admin\n');
    }
    expect(readFileSync(join(root, 'etc/doorstation/doorstation.toml'), 'utf8')).toBe('# edited by the admin\n');
    // Issue 12 rows 13 and 23: the secrets are root's and the service user's only, also in a DESTDIR image,
    // where tmpfiles.d gives the file to the service user (made by sysusers.d) at boot.
    expect(statSync(join(root, 'etc/doorstation/doorstation.toml')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(root, 'usr/lib/tmpfiles.d/doorstation.conf'), 'utf8')).toMatch(/^z \/etc\/doorstation\/doorstation\.toml 0600 doorstation doorstation -$/m);
    expect(readFileSync(join(root, 'usr/lib/sysusers.d/doorstation.conf'), 'utf8')).toMatch(/^u doorstation - /m);
    if (has('systemd-sysusers') && has('systemd-tmpfiles') && process.getuid?.() === 0) {
      // What first boot does: the user exists, then the config is the service user's, 0600.
      expect(run('systemd-sysusers', [`--root=${root}`]).status).toBe(0);
      expect(run('systemd-tmpfiles', [`--root=${root}`, '--create']).status).toBe(0);
      const uid = Number(/^doorstation:x:(\d+):/m.exec(readFileSync(join(root, 'etc/passwd'), 'utf8'))![1]);
      const st = statSync(join(root, 'etc/doorstation/doorstation.toml'));
      expect([st.uid, st.mode & 0o777]).toEqual([uid, 0o600]);
    }
    for (const u of UNITS) expect(readFileSync(join(root, 'etc/systemd/system', u), 'utf8')).toBe(readFileSync(join(REPO, 'systemd', u), 'utf8'));
    const launcher = readFileSync(join(root, 'usr/bin/doorstation'), 'utf8');
    // The launcher runs the bundle (scripts/bundle.mjs; issue 14, start-up).
    expect(launcher).toMatch(/^exec \S*node \/opt\/doorstation\/dist\/doorstation\.mjs "\$@"$/m);
    expect(statSync(join(root, 'usr/bin/doorstation')).mode & 0o111).not.toBe(0);

    // The installed copy runs on its own, with production dependencies only.
    const app = join(root, 'opt/doorstation');
    const modules = readdirSync(join(app, 'node_modules'));
    expect(modules).toContain('commander');
    expect(modules).not.toContain('vitest');
    expect(modules).not.toContain('typescript');
    const version = run(process.execPath, [join(app, 'dist/doorstation.mjs'), '--version'], { cwd: root });
    expect(version.status, version.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);

    if (hasAnalyze && SYSTEM_UNITS) {
      const v = verifyIn(root);
      expect(v.stderr + v.stdout).toBe('');
    }

    for (let i = 0; i < 2; i++) {
      const r = install('--uninstall');
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    expect(existsSync(join(root, 'opt/doorstation'))).toBe(false);
    expect(existsSync(join(root, 'usr/bin/doorstation'))).toBe(false);
    for (const u of UNITS) expect(existsSync(join(root, 'etc/systemd/system', u))).toBe(false);
    expect(existsSync(join(root, 'usr/lib/tmpfiles.d/doorstation.conf'))).toBe(false);
    expect(existsSync(join(root, 'etc/doorstation/doorstation.toml'))).toBe(true);

    const purge = install('--uninstall', '--purge');
    expect(purge.status, purge.stdout + purge.stderr).toBe(0);
    expect(existsSync(join(root, 'etc/doorstation'))).toBe(false);
  });

  it('leaves a launcher it did not write alone', () => {
    const other = temp('doorstation-destdir-');
    mkdirSync(join(other, 'usr/bin'), { recursive: true });
    writeFileSync(join(other, 'usr/bin/doorstation'), '#!/bin/sh\necho packaged\n');
    const r = run(join(REPO, 'scripts/install'), ['--uninstall'], { env: { DESTDIR: other } });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(other, 'usr/bin/doorstation'))).toBe(true);
  });

  it('refuses unknown options', () => {
    const r = run(join(REPO, 'scripts/install'), ['--frobnicate'], { env: { DESTDIR: temp('doorstation-destdir-') } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option --frobnicate/);
  });
});

describe('config/doorstation.toml', () => {
  const text = readFileSync(join(REPO, 'config/doorstation.toml'), 'utf8');
  /** Every key line is written `#key = value`: removing the `#` sets it. */
  const uncommented = text.replace(/^#(?=[a-z0-9_]+ = )/gm, '');

  it('as shipped, gives exactly the built-in defaults', () => {
    expect(parseConfigText(text)).toEqual(parseConfig({}));
  });

  it('with every key uncommented, still gives the defaults', () => {
    const all = parseConfigText(uncommented);
    const defaults = parseConfig({});
    expect({ ...all, sip: { ...all.sip, user_agent: '' } }).toEqual({ ...defaults, sip: { ...defaults.sip, user_agent: '' } });
  });

  it('lists every key the schema has', () => {
    const listed = parseToml(uncommented) as Record<string, Record<string, unknown>>;
    const defaults = parseConfig({}) as unknown as Record<string, Record<string, unknown>>;
    for (const [table, keys] of Object.entries(defaults)) expect(Object.keys(listed[table] ?? {}).sort(), table).toEqual(Object.keys(keys).sort());
  });
});

describe('Yocto layer', () => {
  const read = (p: string) => readFileSync(join(LAYER, p), 'utf8');
  const layerFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? layerFiles(join(dir, e.name)) : [join(dir, e.name)]));
  const bbFiles = layerFiles(LAYER).filter((f) => /\.(bb|bbappend|bbclass|conf|inc)$/.test(f));

  it('has a layer.conf BitBake accepts for scarthgap', () => {
    const conf = read('conf/layer.conf');
    expect(conf).toMatch(/^BBFILE_COLLECTIONS \+= "doorstation"$/m);
    expect(conf).toMatch(/^BBFILE_PATTERN_doorstation = "\^\$\{LAYERDIR\}\/"$/m);
    expect(conf).toMatch(/^BBFILE_PRIORITY_doorstation = "\d+"$/m);
    expect(conf).toMatch(/^LAYERSERIES_COMPAT_doorstation = "scarthgap"$/m);
    expect(conf).toMatch(/^LAYERDEPENDS_doorstation = "core openembedded-layer"$/m);
    expect(conf).toMatch(/^BBFILES \+= /m);
  });

  it('has a recipe with what BitBake and the npm class need', () => {
    const bb = readFileSync(RECIPE, 'utf8');
    expect(bb).toMatch(/^LICENSE = "GPL-3\.0-or-later/m);
    expect(bb).toMatch(/^LIC_FILES_CHKSUM = "file:\/\/\$\{COMMON_LICENSE_DIR\}\/GPL-3\.0-or-later;md5=[0-9a-f]{32}/m);
    expect(bb).toMatch(/^SRC_URI = [\s\S]*npmsw:\/\/\$\{THISDIR\}\/files\/npm-shrinkwrap\.json/m);
    expect(bb).toMatch(/^inherit npm systemd useradd/m);
    expect(bb).toMatch(/^SYSTEMD_SERVICE:\$\{PN\} = "doorstation\.socket doorstation\.service"$/m);
    expect(bb).toMatch(/^CONFFILES:\$\{PN\} = "\$\{sysconfdir\}\/doorstation\/doorstation\.toml"$/m);
    expect(bb).toMatch(/^USERADD_PACKAGES = "\$\{PN\}"$/m);
    expect(bb).toMatch(/^USERADD_PARAM:\$\{PN\} = "--system[^"]* doorstation"$/m);
    expect(bb).toMatch(/^RDEPENDS:\$\{PN\} \+= "nodejs/m);
    for (const p of ['gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-bad', 'gstreamer1.0-plugins-ugly']) expect(bb).toContain(p);
    // The recipe installs what the repository has.
    for (const p of ['systemd/doorstation.socket', 'systemd/doorstation.service', 'config/doorstation.toml']) {
      expect(bb).toContain(`\${S}/${p.split('/')[0]}`);
      expect(existsSync(join(REPO, p)), p).toBe(true);
    }
    expect(existsSync(join(LAYER, 'recipes-doorstation/doorstation/files/99-doorstation-gpio.rules'))).toBe(true);
    // A missing shrinkwrap skips this recipe only; bb.fatal would stop the parse of every image.
    expect(bb).toContain('raise bb.parse.SkipRecipe(');
    expect(bb).not.toMatch(/bb\.fatal\([^)]*missing/);
  });

  it('has a packagegroup, an image and a kas file', () => {
    expect(read('recipes-core/packagegroups/packagegroup-doorstation.bb')).toMatch(/^inherit packagegroup$/m);
    expect(read('recipes-core/images/doorstation-image.bb')).toMatch(/packagegroup-doorstation/);
    const kas = readFileSync(join(REPO, 'yocto/kas/doorstation-rpi.yml'), 'utf8');
    expect(kas).toMatch(/^machine: raspberrypi4-64$/m);
    expect(kas).toMatch(/branch: scarthgap/);
    expect(kas).toMatch(/kas 4\.0 or later/);
    for (const repo of ['poky:', 'meta-openembedded:', 'meta-raspberrypi:', 'yocto/meta-doorstation:']) expect(kas).toContain(repo);
  });

  it('uses only the `:` override syntax', () => {
    expect(bbFiles.length).toBeGreaterThanOrEqual(4);
    for (const f of bbFiles) {
      const text = readFileSync(f, 'utf8');
      // _append, _prepend, _remove, _${PN}, _pn-foo, _class-target... as overrides of a variable or task.
      const old = /^[\w{}$-]+?_(append|prepend|remove|\$\{PN\}|pn-|class-|task-)/m.exec(text);
      expect(old?.[0], f).toBeUndefined();
    }
  });

  it('makes a shrinkwrap with the runtime dependencies and the build tools only', () => {
    const out = join(temp('doorstation-shrinkwrap-'), 'npm-shrinkwrap.json');
    const r = run(process.execPath, [join(LAYER, 'scripts/update-shrinkwrap'), '--registry', 'https://registry.invalid/', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const sw = JSON.parse(readFileSync(out, 'utf8')) as { lockfileVersion: number; packages: Record<string, { dev?: boolean; resolved?: string; integrity?: string; version?: string }> };
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as typeof sw;
    expect(sw.lockfileVersion).toBeGreaterThanOrEqual(2);
    const runtime = Object.keys(lock.packages).filter((p) => p !== '' && !lock.packages[p]!.dev);
    for (const p of runtime) expect(sw.packages[p]?.version, p).toBe(lock.packages[p]!.version);
    // Every package tsc reads to build (issue 13: @types/sdp-transform was left out).
    expect(Object.keys(sw.packages)).toEqual(expect.arrayContaining(['node_modules/typescript', 'node_modules/@types/node', 'node_modules/@types/sdp-transform']));
    expect(Object.keys(sw.packages)).not.toContain('node_modules/vitest');
    expect(Object.keys(sw.packages)).not.toContain('node_modules/eslint');
    for (const [p, e] of Object.entries(sw.packages)) {
      if (p === '') continue;
      expect(e.resolved, p).toMatch(/^https:\/\/registry\.invalid\/.+\.tgz$/);
      expect(e.integrity, p).toMatch(/^sha512-/);
    }
  });
});
