/**
 * The order in which SRV targets are tried (RFC 2782, "Usage rules"): by
 * priority, lowest first; within one priority, a weighted random draw, so
 * a target of weight 0 comes last and a target of weight 60 beside one of
 * weight 20 is tried first three times out of four. `random` is injectable
 * for tests.
 */
import type { SrvRecord } from 'node:dns';

export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  // RFC 2782: a single record "." means the service is decidedly not available here.
  const usable = records.filter((r) => r.name !== '' && r.name !== '.');
  const priorities = [...new Set(usable.map((r) => r.priority))].sort((a, b) => a - b);
  const out: SrvRecord[] = [];
  for (const p of priorities) {
    // Weight-0 records first in the list, as RFC 2782 asks, so they only win when nothing else is left.
    const left = usable.filter((r) => r.priority === p).sort((a, b) => a.weight - b.weight);
    while (left.length > 0) {
      const total = left.reduce((s, r) => s + r.weight, 0);
      const draw = random() * total;
      let sum = 0;
      let pick = left.length - 1;
      if (total > 0) {
        for (let i = 0; i < left.length; i++) {
          sum += left[i]!.weight;
          if (sum > draw) {
            pick = i;
            break;
          }
        }
      } else pick = 0;
      out.push(left.splice(pick, 1)[0]!);
    }
  }
  return out;
}
