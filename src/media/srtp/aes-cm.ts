/**
 * AES in Counter Mode as SRTP uses it (RFC 3711 §4.1.1): a 128-bit IV
 * made of the session salt, the SSRC and the packet index, whose low 16
 * bits count keystream blocks. node:crypto's aes-128-ctr increments the
 * whole IV as one big-endian number, which is the same thing for any
 * packet shorter than 2^16 blocks (1 MiB): SRTP packets always are.
 */
import { createCipheriv } from 'node:crypto';

/**
 * RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).
 * `index` is the 48-bit SRTP packet index (or the 31-bit SRTCP index).
 */
export function packetIv(sessionSalt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  sessionSalt.copy(iv, 0, 0, 14);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  // 48-bit index into bytes 8..13: high 16 bits, then low 32 bits.
  const hi = Math.floor(index / 0x1_0000_0000);
  const lo = index >>> 0;
  iv.writeUInt16BE((iv.readUInt16BE(8) ^ hi) & 0xffff, 8);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ lo) >>> 0, 10);
  return iv;
}

/** `length` bytes of AES-CM keystream from `iv` (encrypting zeros). */
export function keystream(key: Buffer, iv: Buffer, length: number): Buffer {
  return aesCtr(key, iv, Buffer.alloc(length));
}

/** XORs `data` with the keystream: encryption and decryption are the same operation (§4.1). */
export function aesCtr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv('aes-128-ctr', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}
