/** RFC 3711 Appendix B test vectors: B.2 (AES-CM keystream) and B.3 (key derivation). */
import { describe, expect, it } from 'vitest';
import { keystream, packetIv } from '../../../../src/media/srtp/aes-cm.js';
import { deriveKey, deriveSessionKeys, LABEL } from '../../../../src/media/srtp/key-derivation.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RFC 3711 B.2: AES-CM keystream', () => {
  const sessionKey = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const sessionSalt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');

  it('builds the IV from salt, SSRC 0 and index 0', () => {
    expect(packetIv(sessionSalt, 0, 0)).toEqual(hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000'));
  });

  it('gives the listed keystream blocks, first and around block 0xFF00', () => {
    const ks = keystream(sessionKey, packetIv(sessionSalt, 0, 0), 16 * 0xff02);
    expect(ks.subarray(0, 48)).toEqual(hex('E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0'));
    expect(ks.subarray(16 * 0xfeff, 16 * 0xff02)).toEqual(hex('EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE 6A2CC3787889374FBEB4C81B17BA6C44'));
  });

  it('XORs SSRC and index into their places (§4.1.1)', () => {
    expect(packetIv(sessionSalt, 0x01020304, 0x0a0b_0c0d0e0f)).toEqual(hex('F0F1F2F3 F5F7F5F3 F2F2F6F6F2F2 0000'));
  });
});

describe('RFC 3711 B.3: key derivation', () => {
  const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');

  it('derives the cipher key, salt and auth key of packet index 0', () => {
    expect(deriveKey(masterKey, masterSalt, LABEL.rtpEncryption, 16)).toEqual(hex('C61E7A93744F39EE10734AFE3FF7A087'));
    expect(deriveKey(masterKey, masterSalt, LABEL.rtpSalt, 14)).toEqual(hex('30CBBC08863D8C85D49DB34A9AE1'));
    expect(deriveKey(masterKey, masterSalt, LABEL.rtpAuth, 20)).toEqual(hex('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4'));
    const keys = deriveSessionKeys(masterKey, masterSalt, false);
    expect(keys.encryption).toEqual(hex('C61E7A93744F39EE10734AFE3FF7A087'));
    expect(keys.salt).toEqual(hex('30CBBC08863D8C85D49DB34A9AE1'));
    expect(keys.auth).toHaveLength(20);
  });

  it('derives SRTCP keys from their own labels', () => {
    const rtcp = deriveSessionKeys(masterKey, masterSalt, true);
    expect(rtcp.encryption).not.toEqual(hex('C61E7A93744F39EE10734AFE3FF7A087'));
    expect(rtcp.encryption).toEqual(deriveKey(masterKey, masterSalt, 3, 16));
  });
});
