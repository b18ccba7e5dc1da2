/** Commands typed while the daemon is still starting wait for it, in order, instead of finding media down. */
import { describe, expect, it } from 'vitest';
import { CommandRegistry, type ConnectionControl } from '../../../src/control/registry.js';
import { ok } from '../../../src/control/reply.js';
import { silentLogger } from '../../../src/log/logger.js';

const conn: ConnectionControl = { setEventPush: () => {}, closeAfterReply: () => {} };

describe('CommandRegistry.holdUntil', () => {
  it('runs held commands once start-up is done, in the order they came', async () => {
    const reg = new CommandRegistry(silentLogger);
    const ran: string[] = [];
    reg.add({ name: 'ring', syntax: 'ring', description: '', run: (a) => (ran.push(`ring${a}`), ok()) });
    let release!: () => void;
    reg.holdUntil(new Promise<void>((r) => (release = r)));
    const first = reg.execute('ring 1', conn);
    const second = reg.execute('ring 2', conn);
    await Promise.resolve();
    expect(ran).toEqual([]);
    release();
    await Promise.all([first, second]);
    expect(ran).toEqual(['ring1', 'ring2']);
  });

  it('runs them too when start-up failed (the daemon answers, then stops)', async () => {
    const reg = new CommandRegistry(silentLogger);
    reg.add({ name: 'version', syntax: 'version', description: '', run: () => ok() });
    reg.holdUntil(Promise.reject(new Error('no SIP port')));
    expect((await reg.execute('version', conn)).status).toBe('ok');
  });
});
