/** §10.2.4: the expiry a 2xx to REGISTER grants our binding. */
import { describe, expect, it } from 'vitest';
import { buildRequest, createResponse } from '../../../../src/sip/message/index.js';
import { grantedExpires } from '../../../../src/sip/registration/register-response.js';

const OURS = 'sip:door@192.0.2.10:5060;transport=tcp';
const ok = (headers: Array<[string, string]>) =>
  createResponse(buildRequest('REGISTER', 'sip:192.0.2.5', { from: '<sip:door@example.com>;tag=1', to: '<sip:door@example.com>', cseq: 1 }), 200, undefined, { toTag: 'r', headers });

describe('grantedExpires', () => {
  it("takes our Contact's expires among others, else the Expires header, else what we asked", () => {
    expect(grantedExpires(ok([['Contact', '<sip:other@192.0.2.11>;expires=30'], ['Contact', `<${OURS}>;expires=120`], ['Expires', '900']]), OURS, 600)).toBe(120);
    expect(grantedExpires(ok([['Contact', '<sip:other@192.0.2.11>;expires=30'], ['Expires', '900']]), OURS, 600)).toBe(900);
    expect(grantedExpires(ok([['Contact', '<sip:other@192.0.2.11>;expires=30']]), OURS, 600)).toBe(600);
    expect(grantedExpires(ok([['Contact', `<${OURS}>;expires=120`], ['Expires', '900']]), 'not a uri <', 600)).toBe(900);
  });
});
