/**
 * The MQTT and mDNS libraries, and our modules that use them, are loaded
 * only when their section is enabled (the idle-memory goal): nothing in
 * src/ imports them statically, only `import type` or `await import()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

describe('optional libraries', () => {
  it('are never imported statically', () => {
    const lazy = /^import (?!type )[^;]*from '(mqtt|bonjour-service|multicast-dns|\.\/mqtt\/[^']*|\.\/mdns\/[^']*)';/gm;
    const found = files(SRC).flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      // Inside src/mqtt and src/mdns the modules import each other; the daemon must not import them.
      const own = f.includes('/src/mqtt/') || f.includes('/src/mdns/');
      return [...text.matchAll(lazy)].filter((m) => !(own && m[1]!.startsWith('./'))).map((m) => `${f}: ${m[0]}`);
    });
    expect(found).toEqual([]);
  });
});
