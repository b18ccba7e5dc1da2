/**
 * The Yocto recipe's build, without BitBake: the npmsw fetcher puts exactly
 * the packages of npm-shrinkwrap.json into node_modules and the recipe runs
 * tsc with them. Here npm ci installs exactly that shrinkwrap (from npm's
 * cache when it has the packages) into a scratch copy of the sources, tsc
 * compiles them, and the build tools the recipe removes from the image are
 * then removed here too: the built CLI must still run. A build tool missing
 * from the shrinkwrap (issue 13: @types/sdp-transform) fails this test.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const LAYER = join(REPO, 'yocto/meta-doorstation');

interface Entry {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface Shrinkwrap {
  packages: Record<string, Entry>;
}

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, killSignal: 'SIGKILL', env: { ...process.env, npm_config_loglevel: 'error' } });
}

const dir = mkdtempSync(join(tmpdir(), 'doorstation-yocto-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the Yocto recipe build from the shrinkwrap alone', () => {
  it('compiles with exactly the shrinkwrap packages, and runs without its build tools', { timeout: 300_000 }, () => {
    const sw = join(dir, 'npm-shrinkwrap.json');
    // Made as a user makes it (the committed layer ignores the file): from the lock, for npm's registry.
    const made = run(process.execPath, [join(LAYER, 'scripts/update-shrinkwrap'), '--out', sw], REPO);
    expect(made.status, made.stderr).toBe(0);
    const shrinkwrap = JSON.parse(readFileSync(sw, 'utf8')) as Shrinkwrap;
    const root = shrinkwrap.packages['']!;

    for (const f of ['src', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(REPO, f), join(dir, f), { recursive: true });
    // package.json as the shrinkwrap's root describes it: the recipe's view of the project.
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, dependencies: root.dependencies, devDependencies: root.devDependencies }, null, 2));

    // No install scripts: the native addons are the recipe's do_compile, not needed by tsc.
    const ci = run('npm', ['ci', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], dir);
    expect(ci.status, ci.stderr).toBe(0);
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8')) as Shrinkwrap;
    expect(Object.keys(installed.packages).sort()).toEqual(Object.keys(shrinkwrap.packages).filter((p) => p !== '').sort());

    // The recipe's do_configure step.
    const tsc = run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], dir);
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    expect(existsSync(join(dir, 'dist/cli.js'))).toBe(true);

    // The recipe's do_install drops every "dev" package: typescript and the types, nothing the door runs.
    const tools = Object.keys(shrinkwrap.packages).filter((p) => shrinkwrap.packages[p]!.dev);
    expect(tools).toEqual(expect.arrayContaining(['node_modules/typescript', 'node_modules/@types/sdp-transform']));
    // tsc needs the Node types; mqtt declares @types/ws and @types/readable-stream as dependencies of its
    // own, which pull @types/node into the runtime set, so it may be a runtime package rather than a tool.
    expect(Object.keys(shrinkwrap.packages)).toContain('node_modules/@types/node');
    expect(tools.every((p) => /^node_modules\/(typescript|@types\/|undici-types)/.test(p)), tools.join(' ')).toBe(true);
    for (const p of tools) rmSync(join(dir, p), { recursive: true, force: true });
    const help = run(process.execPath, ['dist/cli.js', '--help'], dir);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/check-config/);
  });
});
