/**
 * HMAC-SHA1 authentication (RFC 3711 §4.2.1) truncated to the 80 bits of
 * AES_CM_128_HMAC_SHA1_80 (§5.2), compared in constant time so a forger
 * learns nothing from how fast a tag is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const AUTH_TAG_LENGTH = 10;

export function authTag(authKey: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha1', authKey);
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, AUTH_TAG_LENGTH);
}

export function tagMatches(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}
