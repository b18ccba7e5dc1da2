/** Issue 13 item 3: a group target that is not in door.allowed cannot open by code, and check-config says so. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { configWarnings } from '../../../src/door/config-warnings.js';

const warnings = (call: Record<string, unknown>, door: Record<string, unknown>) => configWarnings(configSchema.parse({ call, door }));

describe('configWarnings', () => {
  it('warns, in a user’s words, about a target that is not allowed while a code is set', () => {
    const w = warnings({ targets: ['sip:everyone@myhouse'] }, { open_code: '4711#', allowed: ['sip:kitchen@myhouse', 'sip:hall@myhouse'] });
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('screens answering calls to sip:everyone@myhouse cannot open the door by code');
    expect(w[0]).toContain('add "sip:everyone@myhouse" to door.allowed');
  });

  it('says nothing when the group is allowed (the README example), or when there is no code', () => {
    expect(warnings({ targets: ['sip:everyone@myhouse'] }, { open_code: '4711#', allowed: ['sip:everyone@myhouse', 'sip:kitchen@myhouse'] })).toEqual([]);
    expect(warnings({ targets: ['sip:everyone@myhouse'] }, { allowed: [] })).toEqual([]);
  });

  it('compares as identities: case of the host and parameters do not matter', () => {
    expect(warnings({ targets: ['sip:everyone@MyHouse;transport=tcp'] }, { open_code: '1234', allowed: ['sip:everyone@myhouse'] })).toEqual([]);
    expect(warnings({ targets: ['sip:a@myhouse', 'sip:b@myhouse'] }, { open_code: '1234', allowed: ['sip:a@myhouse'] })).toHaveLength(1);
  });
});
