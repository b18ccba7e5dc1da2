/**
 * SRTP key derivation (RFC 3711 §4.3) for AES_CM_128_HMAC_SHA1_80 with
 * the key derivation rate 0 that SDES uses unless told (RFC 4568 §6.1:
 * no KDR parameter = 0): session keys are derived once per master key,
 * with r = 0, so they do not depend on the packet index.
 */
import { keystream } from './aes-cm.js';

/** §4.3.1 / §4.3.2 labels: three for SRTP, three for SRTCP. */
export const LABEL = {
  rtpEncryption: 0x00,
  rtpAuth: 0x01,
  rtpSalt: 0x02,
  rtcpEncryption: 0x03,
  rtcpAuth: 0x04,
  rtcpSalt: 0x05,
} as const;

export interface SessionKeys {
  /** k_e, 128 bits. */
  encryption: Buffer;
  /** k_a, 160 bits (HMAC-SHA1, §4.2.1, n_a = 160 by default). */
  auth: Buffer;
  /** k_s, 112 bits. */
  salt: Buffer;
}

/**
 * §4.3.1: key_id = label || r (r = 0 here); x = key_id XOR master_salt,
 * key_id right-aligned in the 112-bit salt; the output is the AES-CM
 * keystream with IV = x * 2^16, cut to the wanted length.
 */
export function deriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, 14);
  // The label is byte 7 of the 14-byte salt (key_id = label || 48-bit r, right-aligned).
  iv[7] = iv[7]! ^ label;
  return keystream(masterKey, iv, length);
}

export function deriveSessionKeys(masterKey: Buffer, masterSalt: Buffer, rtcp: boolean): SessionKeys {
  const base = rtcp ? LABEL.rtcpEncryption : LABEL.rtpEncryption;
  return {
    encryption: deriveKey(masterKey, masterSalt, base, 16),
    auth: deriveKey(masterKey, masterSalt, base + 1, 20),
    salt: deriveKey(masterKey, masterSalt, base + 2, 14),
  };
}
