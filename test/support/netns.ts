/**
 * Two private network namespaces joined by a veth pair, with random packet
 * loss on both ends: real loss between real programs, and none of it on
 * the machine's own loopback that other tests share.
 *
 * netem would be the usual tool, but kernels built without
 * CONFIG_NET_SCH_NETEM (this sandbox's, some CI kernels) refuse it; an
 * nftables rule `numgen random mod 100 < N drop` on each veth's egress does
 * the same job with what every Debian kernel has (package nftables).
 * Names are unique per
 * run and `destroy()` deletes both namespaces (and so the veth pair).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const run = (cmd: string, args: string[], input?: string): { ok: boolean; err: string } => {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 10_000 });
  return { ok: r.status === 0, err: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
};

/**
 * Root, `ip netns` and `nft` all work here: probed by creating and deleting
 * a throw-away namespace with a rule in it, so a test can `skipIf` on it.
 */
export const netnsUsable: boolean = (() => {
  if (process.getuid?.() !== 0) return false;
  const name = `dsprobe${randomBytes(3).toString('hex')}`;
  if (!run('ip', ['netns', 'add', name]).ok) return false;
  try {
    return run('ip', ['netns', 'exec', name, 'nft', '-f', '-'], 'table inet probe {\n chain out {\n  type filter hook output priority 0\n  numgen random mod 100 < 1 drop\n }\n}\n').ok;
  } finally {
    run('ip', ['netns', 'del', name]);
  }
})();

export interface NetPair {
  /** Namespace names: `a` (e.g. the door) and `b` (e.g. the screen). */
  a: string;
  b: string;
  /** Addresses on the veth link, a's and b's. */
  addrA: string;
  addrB: string;
  /** `ip netns exec NAME` as a command prefix. */
  exec(ns: string): string[];
  /** Sets the loss (percent) on both veth ends; 0 removes it. */
  setLoss(percent: number): void;
  destroy(): void;
}

function must(cmd: string, args: string[], input?: string): void {
  const r = run(cmd, args, input);
  if (!r.ok) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.err}`);
}

/**
 * `where` = "in" drops arriving packets, silently, as the wire would.
 * "out" drops a's outgoing packets on a's own way out, where its sendmsg()
 * then fails with EPERM (a local firewall or a full queue looks the same to
 * a program), and b's arriving ones silently: only `a` (the door) meets
 * the send errors (SIPp gives up its calls on them).
 */
export function createNetPair(lossPercent = 0, where: 'in' | 'out' = 'in'): NetPair {
  const id = randomBytes(3).toString('hex');
  const a = `ds${id}a`;
  const b = `ds${id}b`;
  // Interface names are at most 15 bytes; these are 9.
  const va = `v${id}a`;
  const vb = `v${id}b`;
  // A /30 in 10.x.y.0, random so two runs at once do not look alike in traces (namespaces keep them apart anyway).
  const x = 100 + Math.floor(Math.random() * 100);
  const y = Math.floor(Math.random() * 64) * 4;
  const addrA = `10.${x}.${y >> 2}.1`;
  const addrB = `10.${x}.${y >> 2}.2`;
  const destroy = () => {
    run('ip', ['netns', 'del', a]);
    run('ip', ['netns', 'del', b]);
  };
  try {
    must('ip', ['netns', 'add', a]);
    must('ip', ['netns', 'add', b]);
    must('ip', ['link', 'add', va, 'netns', a, 'type', 'veth', 'peer', 'name', vb, 'netns', b]);
    for (const [ns, dev, addr] of [
      [a, va, addrA],
      [b, vb, addrB],
    ] as const) {
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', ns, 'addr', 'add', `${addr}/30`, 'dev', dev]);
      must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
  } catch (e) {
    destroy();
    throw e;
  }
  const setLoss = (percent: number) => {
    for (const [ns, dev] of [
      [a, va],
      [b, vb],
    ] as const) {
      run('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', 'loss']);
      if (percent > 0) {
        must('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], where === 'in' || ns === b
            ? `table inet loss {\n chain in {\n  type filter hook prerouting priority -300\n  iifname "${dev}" counter\n  iifname "${dev}" numgen random mod 100 < ${percent} counter drop\n }\n}\n`
            : `table inet loss {\n chain out {\n  type filter hook output priority 0\n  oifname "${dev}" counter\n  oifname "${dev}" numgen random mod 100 < ${percent} counter drop\n }\n}\n`);
      }
    }
  };
  try {
    setLoss(lossPercent);
  } catch (e) {
    destroy();
    throw e;
  }
  return { a, b, addrA, addrB, exec: (ns) => ['ip', 'netns', 'exec', ns], setLoss, destroy };
}

/** What one namespace's loss rule saw on its veth: packets that passed it (arriving or leaving), and those it dropped (nft rule counters). */
export function lossCounters(ns: string): { seen: number; dropped: number } | undefined {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', 'loss'], { encoding: 'utf8' });
  const counts = [...(r.stdout ?? '').matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
  return counts.length === 2 ? { seen: counts[0]!, dropped: counts[1]! } : undefined;
}
