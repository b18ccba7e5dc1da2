/** A fake /sys/class/gpio in a temp dir: the files base detection reads. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeChip {
  base: number;
  label: string;
  ngpio: number;
}

export function fakeSysfs(chips: FakeChip[], opts: { export?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'doorstation-sysfs-'));
  if (opts.export !== false) {
    writeFileSync(join(root, 'export'), '');
    writeFileSync(join(root, 'unexport'), '');
  }
  for (const c of chips) {
    const dir = join(root, `gpiochip${c.base}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'base'), `${c.base}\n`);
    writeFileSync(join(dir, 'label'), `${c.label}\n`);
    writeFileSync(join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}
