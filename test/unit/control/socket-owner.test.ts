import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untrustedSocket } from '../../../src/control/client.js';
import { clearStaleSocket } from '../../../src/control/socket-path.js';
import { silentLogger } from '../../../src/log/logger.js';

const me = process.getuid!();
let dir: string;
let server: Server;
let sock: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'doorstation-owner-'));
  sock = join(dir, 'doorbell');
  server = createServer();
  await new Promise<void>((r) => server.listen(sock, () => r()));
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('control socket ownership (issue 12 row 16)', () => {
  it('ctl talks to a socket of a trusted owner only, never through a link or to a plain file', () => {
    expect(untrustedSocket(sock, new Set([me]))).toBeUndefined();
    expect(untrustedSocket(sock, new Set([me + 1]))).toMatch(/^it belongs to .*uid \d+.*neither root nor the doorstation user/);
    symlinkSync(sock, join(dir, 'link'));
    expect(untrustedSocket(join(dir, 'link'), new Set([me]))).toMatch(/symbolic link/);
    writeFileSync(join(dir, 'plain'), '');
    expect(untrustedSocket(join(dir, 'plain'), new Set([me]))).toMatch(/not a socket/);
    expect(untrustedSocket(join(dir, 'missing'), new Set([me]))).toBeUndefined();
  });

  it('the daemon neither shares nor replaces a path another user owns, and names them', async () => {
    await expect(clearStaleSocket(sock, silentLogger, me + 1)).rejects.toThrow(/belongs to .*uid \d+.*never shared or replaced/);
    await expect(clearStaleSocket(join(dir, 'plain'), silentLogger, me + 1)).rejects.toThrow(/another user's file/);
  });
});
