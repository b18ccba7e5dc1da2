/**
 * Both directions of one SDES-keyed stream (RFC 4568): our key protects
 * what we send, the peer's key (from its a=crypto) unprotects what it
 * sends. Counts what it drops; never throws, so it can sit in a socket
 * handler. The RTCP methods are the `protect`/`unprotect` hooks an RTCP
 * sender/receiver on its own socket plugs in (RFC 3711 §3.4).
 */
import { parseMasterKey } from './master-key.js';
import { SrtcpProtector, SrtcpUnprotector } from './srtcp.js';
import { SrtpProtector } from './srtp-protect.js';
import { SrtpUnprotector } from './srtp-unprotect.js';
import type { DropReason, UnprotectResult } from './unprotect-result.js';

export interface SrtpKeys {
  /** Our `inline:` key||salt (base64), for what we send. */
  local: string;
  /** The peer's `inline:` key||salt (base64), for what it sends us. */
  remote: string;
}

export interface SrtpStats {
  /** Packets that failed the tag check: forged, corrupted, or keyed otherwise. */
  authFailures: number;
  /** Packets already received, or too old for the replay window. */
  replays: number;
  /** Too short or not RTP/RTCP at all. */
  malformed: number;
}

export class SrtpSession {
  private readonly rtpOut: SrtpProtector;
  private readonly rtpIn: SrtpUnprotector;
  private readonly rtcpOut: SrtcpProtector;
  private readonly rtcpIn: SrtcpUnprotector;
  private readonly counts: SrtpStats = { authFailures: 0, replays: 0, malformed: 0 };

  private constructor(local: NonNullable<ReturnType<typeof parseMasterKey>>, remote: NonNullable<ReturnType<typeof parseMasterKey>>) {
    this.rtpOut = new SrtpProtector(local);
    this.rtpIn = new SrtpUnprotector(remote);
    this.rtcpOut = new SrtcpProtector(local);
    this.rtcpIn = new SrtcpUnprotector(remote);
  }

  /** undefined when either key is not a valid AES_CM_128 key||salt. */
  static create(keys: SrtpKeys): SrtpSession | undefined {
    const local = parseMasterKey(keys.local);
    const remote = parseMasterKey(keys.remote);
    return local && remote ? new SrtpSession(local, remote) : undefined;
  }

  protectRtp(rtp: Buffer): Buffer | undefined {
    return this.rtpOut.protect(rtp);
  }

  /** The plain RTP packet, or undefined when it was dropped (and counted). */
  unprotectRtp(srtp: Buffer): Buffer | undefined {
    return this.count(this.rtpIn.unprotect(srtp));
  }

  protectRtcp(rtcp: Buffer): Buffer | undefined {
    return this.rtcpOut.protect(rtcp);
  }

  unprotectRtcp(srtcp: Buffer): Buffer | undefined {
    return this.count(this.rtcpIn.unprotect(srtcp));
  }

  stats(): SrtpStats {
    return { ...this.counts };
  }

  private count(r: UnprotectResult): Buffer | undefined {
    if (r.ok) return r.packet;
    const field: Record<DropReason, keyof SrtpStats> = { auth: 'authFailures', replay: 'replays', malformed: 'malformed' };
    this.counts[field[r.reason]]++;
    return undefined;
  }
}
