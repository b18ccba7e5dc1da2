/**
 * The SDES key of an `a=crypto` line (RFC 4568 §6.1): `inline:` base64 of
 * the 16-byte master key followed by the 14-byte master salt for
 * AES_CM_128_HMAC_SHA1_80 (§6.2.1). Lifetime and MKI parameters are not
 * supported: we never send them, and a key with an MKI would need the MKI
 * in every packet.
 */
import { randomBytes } from 'node:crypto';

export const SRTP_SUITE = 'AES_CM_128_HMAC_SHA1_80';
export const MASTER_KEY_LENGTH = 16;
export const MASTER_SALT_LENGTH = 14;

export interface MasterKey {
  key: Buffer;
  salt: Buffer;
}

/** undefined when the base64 text is not exactly 30 bytes (a peer's mistake must not throw). */
export function parseMasterKey(base64: string): MasterKey | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== MASTER_KEY_LENGTH + MASTER_SALT_LENGTH) return undefined;
  return { key: raw.subarray(0, MASTER_KEY_LENGTH), salt: raw.subarray(MASTER_KEY_LENGTH) };
}

/** A fresh key||salt from the CSPRNG, base64 as the `inline:` parameter carries it. */
export function newMasterKey(): string {
  return randomBytes(MASTER_KEY_LENGTH + MASTER_SALT_LENGTH).toString('base64');
}

/** key||salt as hex, the form GStreamer's srtpenc `key` and srtpdec caps `srtp-key` take. */
export function masterKeyHex(base64: string): string {
  return Buffer.from(base64, 'base64').toString('hex');
}
