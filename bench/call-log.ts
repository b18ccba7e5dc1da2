/**
 * The call log's cost, printed as JSON (npx tsx bench/call-log.ts [DIR]):
 * appends of realistic records (two targets, one opening, two pictures)
 * with the default bounds (1000 calls, 1 MiB), each one write() plus
 * fdatasync, the compactions the bounds cause among them, and a load of
 * the full log at start. DIR (default the system's temp dir) should be on
 * the file system the door writes to: fdatasync is what costs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallLogStore } from '../src/door/history/call-log-store.js';
import type { CallRecord } from '../src/door/history/call-record.js';
import { LogSink } from '../src/log/logger.js';

const APPENDS = 3000;
const base = process.argv[2] ?? tmpdir();
const log = new LogSink({ level: 'error', systemd: true, write: () => {} }).logger('history');

function record(id: number): CallRecord {
  const time = new Date().toISOString();
  return {
    id,
    time,
    button: 'flat-1',
    plan: 'night',
    targets: ['sip:kitchen@myhouse', 'sip:hall@myhouse'],
    answered_by: 'sip:kitchen@myhouse',
    ring_ms: 4000,
    talk_ms: 32_000,
    end: 'hung up by peer',
    door: [{ time, relay: 'door', method: 'dtmf', by: 'sip:kitchen@myhouse' }],
    pictures: [`visitor-${id}-20261203-153000-180.jpg`, `visitor-${id}-20261203-153005-180.jpg`],
  };
}

const pct = (xs: number[], p: number) => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]! * 100) / 100;

async function main() {
  const dir = mkdtempSync(join(base, 'call-log-bench-'));
  const file = join(dir, 'calls.jsonl');
  try {
    let compactions = 0;
    const s = new CallLogStore({ file, maxEntries: 1000, maxBytes: 1 << 20, log, onRemoved: () => void compactions++ });
    await s.load();
    const times: number[] = [];
    for (let i = 0; i < APPENDS; i++) {
      const t = performance.now();
      await s.append(record(i));
      times.push(performance.now() - t);
    }
    const t0 = performance.now();
    const again = new CallLogStore({ file, maxEntries: 1000, maxBytes: 1 << 20, log });
    await again.load();
    const loadMs = performance.now() - t0;
    process.stdout.write(
      JSON.stringify(
        {
          bench: 'call-log',
          dir: base,
          line_bytes: Buffer.byteLength(JSON.stringify(record(1))) + 1,
          appends: APPENDS,
          compactions,
          kept: again.size,
          file_bytes: again.fileBytes,
          append_p50_ms: pct(times, 50),
          append_p99_ms: pct(times, 99),
          append_max_ms: pct(times, 100),
          load_full_log_ms: Math.round(loadMs * 10) / 10,
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
