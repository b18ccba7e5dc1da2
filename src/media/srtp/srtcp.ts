/**
 * SRTCP (RFC 3711 §3.4): the first 8 bytes of the compound packet (first
 * header and sender SSRC) stay clear, the rest is encrypted with AES-CM
 * under the 31-bit SRTCP index, then E-flag||index (32 bits) and the
 * 80-bit tag over everything before it are appended. Session keys come
 * from the RTCP labels (§4.3.2). The index is sent, so no ROC guessing;
 * replay is checked on it per SSRC.
 */
import { aesCtr, packetIv } from './aes-cm.js';
import { AUTH_TAG_LENGTH, authTag, tagMatches } from './auth-tag.js';
import { deriveSessionKeys, type SessionKeys } from './key-derivation.js';
import type { MasterKey } from './master-key.js';
import { ReplayWindow } from './replay-window.js';
import { dropped, type UnprotectResult } from './unprotect-result.js';
import { isRtcp } from '../rtp/rtp-header.js';

const CLEAR = 8;
const E_FLAG = 0x8000_0000;
const MAX_INDEX = 0x7fff_ffff;
const MAX_STREAMS = 8;

/** RTCP (RFC 5761 §4) with at least the clear header and sender SSRC. */
function isSrtcpCandidate(buf: Buffer): boolean {
  return buf.length >= CLEAR && isRtcp(buf);
}

export class SrtcpProtector {
  private readonly keys: SessionKeys;
  private readonly next = new Map<number, number>();

  constructor(master: MasterKey) {
    this.keys = deriveSessionKeys(master.key, master.salt, true);
  }

  /** SRTCP for one (compound) RTCP packet; undefined for something that is not RTCP or when the index space is used up (§3.4: re-key). */
  protect(rtcp: Buffer): Buffer | undefined {
    if (!isSrtcpCandidate(rtcp)) return undefined;
    const ssrc = rtcp.readUInt32BE(4);
    const index = this.next.get(ssrc) ?? 0;
    if (index > MAX_INDEX) return undefined;
    this.next.set(ssrc, index + 1);
    const encrypted = aesCtr(this.keys.encryption, packetIv(this.keys.salt, ssrc, index), rtcp.subarray(CLEAR));
    const eIndex = Buffer.alloc(4);
    eIndex.writeUInt32BE((E_FLAG | index) >>> 0, 0);
    const head = rtcp.subarray(0, CLEAR);
    return Buffer.concat([head, encrypted, eIndex, authTag(this.keys.auth, head, encrypted, eIndex)]);
  }
}

export class SrtcpUnprotector {
  private readonly keys: SessionKeys;
  private readonly replay = new Map<number, ReplayWindow>();

  constructor(master: MasterKey) {
    this.keys = deriveSessionKeys(master.key, master.salt, true);
  }

  unprotect(srtcp: Buffer): UnprotectResult {
    if (!isSrtcpCandidate(srtcp) || srtcp.length < CLEAR + 4 + AUTH_TAG_LENGTH) return dropped('malformed');
    const tagAt = srtcp.length - AUTH_TAG_LENGTH;
    const eIndex = srtcp.readUInt32BE(tagAt - 4);
    const index = eIndex & MAX_INDEX;
    const ssrc = srtcp.readUInt32BE(4);
    const window = this.replay.get(ssrc);
    if (window && !window.check(index)) return dropped('replay');
    // §3.4: the tag covers the packet, encrypted part and E||index included.
    if (!tagMatches(authTag(this.keys.auth, srtcp.subarray(0, tagAt)), srtcp.subarray(tagAt))) return dropped('auth');
    (window ?? this.newWindow(ssrc)).accept(index);
    const body = srtcp.subarray(CLEAR, tagAt - 4);
    // E = 0: the sender chose not to encrypt (§3.4); the packet is still authenticated.
    const clear = eIndex & E_FLAG ? aesCtr(this.keys.encryption, packetIv(this.keys.salt, ssrc, index), body) : body;
    return { ok: true, packet: Buffer.concat([srtcp.subarray(0, CLEAR), clear]) };
  }

  private newWindow(ssrc: number): ReplayWindow {
    if (this.replay.size >= MAX_STREAMS) this.replay.delete(this.replay.keys().next().value!);
    const w = new ReplayWindow();
    this.replay.set(ssrc, w);
    return w;
  }
}
