/**
 * SRTP sender (RFC 3711 §3.3): encrypt the payload with AES-CM under the
 * packet index, append the 80-bit HMAC-SHA1 tag over header, encrypted
 * payload and ROC. One instance per master key (one per direction, as
 * SDES keys are: RFC 4568 §6.1); it keeps a ROC per SSRC it sends.
 */
import { aesCtr, packetIv } from './aes-cm.js';
import { authTag } from './auth-tag.js';
import { deriveSessionKeys, type SessionKeys } from './key-derivation.js';
import type { MasterKey } from './master-key.js';
import { estimateIndex, updateIndex, type IndexState } from './rtp-index.js';
import { rtpHeaderLength } from '../rtp/rtp-header.js';

/** 2^48 packets per master key (§9.2); we re-key per call long before. */
const MAX_INDEX = 2 ** 48 - 1;

export class SrtpProtector {
  private readonly keys: SessionKeys;
  private readonly streams = new Map<number, IndexState>();

  constructor(master: MasterKey) {
    this.keys = deriveSessionKeys(master.key, master.salt, false);
  }

  /** The SRTP packet for an RTP packet; undefined for something that is not RTP (nothing is sent then). */
  protect(rtp: Buffer): Buffer | undefined {
    const headerLength = rtpHeaderLength(rtp);
    if (headerLength === undefined) return undefined;
    const ssrc = rtp.readUInt32BE(8);
    const seq = rtp.readUInt16BE(2);
    const state = this.streams.get(ssrc);
    // The sender knows its own sequence: the same estimate as a receiver's detects its wrap (§3.3.1).
    const { index, v } = estimateIndex(state, seq);
    if (index < 0 || index > MAX_INDEX) return undefined;
    this.streams.set(ssrc, updateIndex(state, seq, v));
    const header = rtp.subarray(0, headerLength);
    const payload = aesCtr(this.keys.encryption, packetIv(this.keys.salt, ssrc, index), rtp.subarray(headerLength));
    const roc = Buffer.alloc(4);
    roc.writeUInt32BE(v >>> 0, 0);
    // §4.2: the tag covers the authenticated portion (header + encrypted payload) || ROC.
    return Buffer.concat([header, payload, authTag(this.keys.auth, header, payload, roc)]);
  }
}
