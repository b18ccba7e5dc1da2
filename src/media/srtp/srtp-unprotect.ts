/**
 * SRTP receiver (RFC 3711 §3.3): guess the index from SEQ and the ROC
 * (Appendix A), check replay (§3.3.2), check the tag, and only then
 * decrypt and move ROC, s_l and the replay window. One instance per
 * master key (the peer's, from its a=crypto); state per SSRC.
 */
import { aesCtr, packetIv } from './aes-cm.js';
import { AUTH_TAG_LENGTH, authTag, tagMatches } from './auth-tag.js';
import { deriveSessionKeys, type SessionKeys } from './key-derivation.js';
import type { MasterKey } from './master-key.js';
import { ReplayWindow } from './replay-window.js';
import { estimateIndex, updateIndex, type IndexState } from './rtp-index.js';
import { rtpHeaderLength } from '../rtp/rtp-header.js';
import { dropped, type UnprotectResult } from './unprotect-result.js';

interface StreamState {
  index?: IndexState;
  replay: ReplayWindow;
}

/** A peer sends one or two SSRCs; more are kept up to this many (the oldest goes), so no one can grow the map. */
const MAX_STREAMS = 8;

export class SrtpUnprotector {
  private readonly keys: SessionKeys;
  private readonly streams = new Map<number, StreamState>();

  constructor(master: MasterKey) {
    this.keys = deriveSessionKeys(master.key, master.salt, false);
  }

  unprotect(srtp: Buffer): UnprotectResult {
    const headerLength = rtpHeaderLength(srtp);
    if (headerLength === undefined || srtp.length < headerLength + AUTH_TAG_LENGTH) return dropped('malformed');
    const ssrc = srtp.readUInt32BE(8);
    const seq = srtp.readUInt16BE(2);
    const known = this.streams.get(ssrc);
    const { index, v } = estimateIndex(known?.index, seq);
    if (index < 0) return dropped('replay');
    // §3.3 step 2: replay check before the (costlier) tag check.
    if (known && !known.replay.check(index)) return dropped('replay');
    const end = srtp.length - AUTH_TAG_LENGTH;
    const authenticated = srtp.subarray(0, end);
    const roc = Buffer.alloc(4);
    roc.writeUInt32BE(v >>> 0, 0);
    if (!tagMatches(authTag(this.keys.auth, authenticated, roc), srtp.subarray(end))) return dropped('auth');
    const state = known ?? this.newStream(ssrc);
    state.index = updateIndex(state.index, seq, v);
    state.replay.accept(index);
    const payload = aesCtr(this.keys.encryption, packetIv(this.keys.salt, ssrc, index), srtp.subarray(headerLength, end));
    return { ok: true, packet: Buffer.concat([srtp.subarray(0, headerLength), payload]) };
  }

  private newStream(ssrc: number): StreamState {
    if (this.streams.size >= MAX_STREAMS) this.streams.delete(this.streams.keys().next().value!);
    const s: StreamState = { replay: new ReplayWindow() };
    this.streams.set(ssrc, s);
    return s;
  }
}
