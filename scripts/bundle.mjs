#!/usr/bin/env node
/**
 * `npm run build` step 2 (issue 14, start-up): the daemon as one ES module,
 * dist/doorstation.mjs, which the launcher, the systemd unit and the bench run.
 * Node then reads one file instead of ~180 compiled modules plus zod's ~100
 * (module resolution and loading were ~60 % of the start-up). Code a run may
 * not need (media/GStreamer, MQTT, mDNS, `devices`) stays in lazy chunks under
 * dist/chunks/, imported when used. Packages with native addons, and the
 * large optional ones only ever imported lazily (mqtt, bonjour-service,
 * multicast-dns), stay external: node_modules holds them as before.
 * dist/cli.js (tsc) keeps working as it did; tests run either.
 */
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { URL } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** src/version.ts reads ../package.json next to itself; in the bundle the version is written in. */
const version = {
  name: 'version',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({ contents: `export const VERSION = ${JSON.stringify(pkg.version)};`, loader: 'ts' }));
  },
};

/**
 * zod's classic API re-exports every locale (≈ 360 kB of the bundle, parsed
 * at each start); the daemon only ever speaks English (config.ts's messages
 * are its own), so the locales index is only `en`, which zod installs itself.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({ contents: `export { default as en } from './en.js';`, loader: 'js' }));
  },
};

// Chunk names carry a hash: the last build's would pile up.
rmSync('dist/chunks', { recursive: true, force: true });

await build({
  entryPoints: { doorstation: 'src/cli.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['gstreamer-superficial', 'onoff', 'epoll', 'mqtt', 'bonjour-service', 'multicast-dns'],
  // Bundled CommonJS (commander, sdp-transform) calls require() for Node's own modules.
  banner: { js: "import { createRequire as __doorstationRequire } from 'node:module';\nconst require = __doorstationRequire(import.meta.url);" },
  plugins: [version, zodEnglishOnly],
  logLevel: 'warning',
});
