/**
 * SRTCP (RFC 3711 §3.4) for the video's RTCP, which runs in node beside
 * the pipeline (video-rtcp.ts), for the screens whose video goes out as
 * SRTP. RFC 3711 §3.4 makes SRTCP authentication mandatory, so such a
 * screen discards plain RTCP from us, and we must not believe plain RTCP
 * claiming to come from it (a forged PLI would make us send key frames on
 * demand; a forged RR would put wrong figures in call-stats).
 *
 * - Out: our SRs, SDES and BYEs are protected with OUR video master key,
 *   the one srtpenc uses for the RTP and every screen got in our offer
 *   (MediaCapabilities.video.srtpKey). SRTP and SRTCP derive different
 *   session keys from it (§4.3.2 labels 0-2 vs 3-5), so sharing the
 *   master key with libsrtp's RTP never shares a keystream.
 * - In: what a screen sends is unprotected with THAT screen's key, from
 *   the a=crypto of its answer's video m-line (RFC 4568 §6.1: SDES keys
 *   are per sender), with a replay window per screen SSRC.
 */
import { parseMasterKey } from '../srtp/master-key.js';
import { SrtcpProtector, SrtcpUnprotector } from '../srtp/srtcp.js';
import type { UnprotectResult } from '../srtp/unprotect-result.js';

/** How video-rtcp.ts keys the RTCP of SRTP destinations (the engine gives it a VideoSrtcp). */
export interface RtcpKeying {
  /** Our compound RTCP as SRTCP; undefined: send nothing (§3.4: the index space is used up, re-key). */
  protect(rtcp: Buffer): Buffer | undefined;
  /** An unprotector for one screen's SDES key (base64 key||salt); undefined when the key is not usable. */
  unprotectorFor(remoteKey: string): ((srtcp: Buffer) => UnprotectResult) | undefined;
}

export class VideoSrtcp implements RtcpKeying {
  /*
   * ONE protector for our SSRC, shared by every destination, and living as
   * long as the engine (its key does too). It has to be: every screen gets
   * the same master key and our SSRC, so an SRTCP index per destination
   * would encrypt two different packets under the same (key, SSRC, index),
   * i.e. the same AES-CM keystream (RFC 3711 §9.1: never). And sharing is
   * fine for each receiver's replay list (§3.3.2): the index only grows,
   * so each screen sees a strictly increasing index with gaps (the packets
   * that went to the others), which a replay window accepts like loss.
   * After a pipeline restart rtph264pay picks a new SSRC, which starts its
   * own index at 0 (per-SSRC in SrtcpProtector).
   */
  private readonly out: SrtcpProtector;

  private constructor(out: SrtcpProtector) {
    this.out = out;
  }

  /** undefined when our key is not an AES_CM_128 key||salt (it is ours: newMasterKey() made it). */
  static create(ourKey: string): VideoSrtcp | undefined {
    const master = parseMasterKey(ourKey);
    return master ? new VideoSrtcp(new SrtcpProtector(master)) : undefined;
  }

  protect(rtcp: Buffer): Buffer | undefined {
    return this.out.protect(rtcp);
  }

  unprotectorFor(remoteKey: string): ((srtcp: Buffer) => UnprotectResult) | undefined {
    const master = parseMasterKey(remoteKey);
    if (!master) return undefined;
    const u = new SrtcpUnprotector(master);
    return (srtcp) => u.unprotect(srtcp);
  }
}
