/**
 * The worked setups of the README as the tests run them: the ```toml
 * block under a `### ` heading, taken from the README text itself, with a
 * small table of substitutions (addresses, ports, files, backends) the
 * test states. Every "from" must be in the block, so a README edit that
 * the table no longer fits fails the test instead of drifting from it.
 */
import { readFileSync } from 'node:fs';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The first ```toml block under the `### ` heading that starts with `heading`. */
export function readmeToml(heading: string): string {
  const at = README.search(new RegExp(`^### ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  if (at < 0) throw new Error(`README has no "### ${heading}" heading`);
  const next = README.slice(at + 4).search(/^#{2,3} /m);
  const part = README.slice(at, next < 0 ? undefined : at + 4 + next);
  const m = /^```toml\n([\s\S]*?)^```$/m.exec(part);
  if (!m) throw new Error(`no toml block under "### ${heading}"`);
  return m[1]!;
}

/** Replaces each `from` (every occurrence) by its `to`; throws for a `from` the text does not hold. */
export function substitute(text: string, table: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of table) {
    if (!out.includes(from)) throw new Error(`README setup no longer contains ${JSON.stringify(from)}; update the test's substitution table`);
    out = out.split(from).join(to);
  }
  return out;
}
