/**
 * RTCP for the video we send, on its own UDP socket (our video RTP port
 * + 1, RFC 3550 §11), beside the GStreamer pipeline rather than inside
 * it, so the pipeline description stays as it is:
 *
 * - every destination (an early dialog's screen) gets a sender report +
 *   SDES CNAME compound (RFC 3550 §6.1, §6.4.1) at a randomised interval
 *   (§6.3.1), and a BYE (§6.6) when it stops getting video;
 * - a PLI (RFC 4585 §6.3.1) or a new FIR (RFC 5104 §4.3.1) from a
 *   destination becomes a `key-frame-request` event (the sender limits
 *   those); RR report blocks are kept for stats.
 *
 * What arrives is untrusted: unknown sources, junk and bad packets are
 * counted, never thrown.
 *
 * SRTCP (RFC 3711 §3.4) is per destination: one whose video goes out as
 * SRTP gets its RTCP protected with our video key, and what it sends is
 * unprotected with its own key (video-srtcp.ts); a packet that does not
 * authenticate is dropped and counted, never acted on (§3.3 step 5, which
 * §3.4 applies to SRTCP). Plain destinations (media.srtp = "optional" may
 * mix both) keep plain RTCP.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { buildBye, buildSdesCname, buildSenderReport } from './rtcp-build.js';
import { parseRtcp } from './rtcp-packet.js';
import type { ReportBlock, SenderInfo } from './rtcp-wire.js';
import type { DropReason, UnprotectResult } from '../srtp/unprotect-result.js';
import { TypedEmitter } from '../../events/typed-emitter.js';
import type { VideoRtcpDestinationStats, VideoRtcpTotals } from '../media-engine.js';
import { zeroRtcpTotals } from '../idle-media.js';
import type { RtcpKeying } from './video-srtcp.js';
import { errorMessage } from '../../log/error-message.js';

/** Where one screen's RTCP goes. */
export interface RtcpTarget {
  address: string;
  port: number;
}

export type KeyFrameRequestKind = 'pli' | 'fir';

export interface VideoRtcpEvents extends Record<string, unknown[]> {
  'key-frame-request': [id: string, kind: KeyFrameRequestKind];
  warning: [text: string];
}

/** A destination's SRTCP: the screen's SDES key (base64 key||salt) from its answer's video a=crypto. */
export interface RtcpDestinationSrtp {
  remoteKey: string;
}

export interface VideoRtcpOptions {
  /** Bound to our video RTCP port; owned (closed) by the caller. */
  socket: Socket;
  /** RFC 3550 §6.5.1 / RFC 7022: our canonical name. */
  cname: string;
  /** Figures for an SR now; undefined while no video is being sent. */
  senderInfo: () => SenderInfo | undefined;
  /** Nominal report interval, randomised to [0.5, 1.5]× (RFC 3550 §6.3.1). */
  intervalMs?: number;
  /**
   * SRTCP for the destinations added with `srtp` (the engine's VideoSrtcp, keyed with our video
   * key). Without it such a destination gets no RTCP and none of its RTCP is believed: plain
   * RTCP to or from an SRTP screen would be dropped by it or forgeable by anyone.
   */
  srtcp?: RtcpKeying;
  random?: () => number;
}

/*
 * RFC 3550 §6.2 fixes 5 s as the minimum but allows a "reduced minimum" of
 * 360 / session bandwidth in kbit/s: 0.45 s at our 800 kbit/s default. One
 * second keeps a screen's lip-sync and loss figures fresh while an SR+SDES
 * (≈ 60 bytes) per second is under 0.1 % of the video, far from RTCP's 5 %.
 */
const DEFAULT_INTERVAL_MS = 1000;

interface Dest {
  id: string;
  rtp: RtcpTarget;
  rtcp: RtcpTarget;
  stats: VideoRtcpDestinationStats;
  /** RFC 5104 §4.3.1.2: the last FIR sequence number seen; a repeat is a retransmission, not a new request. */
  lastFirSeq?: number;
  sendFailed: boolean;
  /** Present for an SRTP destination; `unprotect` undefined = no usable key (everything from it is dropped). */
  srtp?: { remoteKey: string; unprotect: ((srtcp: Buffer) => UnprotectResult) | undefined };
}

export class VideoRtcp extends TypedEmitter<VideoRtcpEvents> {
  private readonly dests = new Map<string, Dest>();
  private readonly intervalMs: number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ssrc: number | undefined;
  private closed = false;
  private readonly totalsNow: VideoRtcpTotals = zeroRtcpTotals();
  private readonly onMessage = (msg: Buffer, rinfo: RemoteInfo) => this.receive(msg, rinfo);

  constructor(private readonly opts: VideoRtcpOptions) {
    super();
    this.intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.random = opts.random ?? Math.random;
    opts.socket.on('message', this.onMessage);
  }

  /**
   * `rtp` is the screen's video RTP address (RTCP from it is recognised too); `rtcp` where reports
   * go; `srtp` when its video is SRTP, with its key for what it sends. Same id again = update.
   */
  add(id: string, rtp: RtcpTarget, rtcp: RtcpTarget, srtp?: RtcpDestinationSrtp): void {
    if (this.closed) return;
    const known = this.dests.get(id);
    if (known) {
      known.rtp = { ...rtp };
      known.rtcp = { ...rtcp };
      // The same key keeps its unprotector, and with it the replay window (a re-INVITE must not let old packets in again).
      if (known.srtp?.remoteKey !== srtp?.remoteKey) this.setSrtp(known, srtp);
      return;
    }
    const d: Dest = { id, rtp: { ...rtp }, rtcp: { ...rtcp }, stats: { senderReports: 0, received: 0, pliReceived: 0, firReceived: 0 }, sendFailed: false };
    this.setSrtp(d, srtp);
    this.dests.set(id, d);
    // RFC 3550 §6.2: the first report may come after half the interval.
    if (!this.timer) this.schedule(0.5);
  }

  /** Stops reporting to it, with a BYE (RFC 3550 §6.6) so it can drop our SSRC at once. */
  remove(id: string): void {
    const d = this.dests.get(id);
    if (!d) return;
    this.dests.delete(id);
    if (this.ssrc !== undefined) this.send(d, buildBye([this.ssrc]));
    if (this.dests.size === 0) this.stopTimer();
  }

  stats(id: string): VideoRtcpDestinationStats | undefined {
    const d = this.dests.get(id);
    return d ? { ...d.stats } : undefined;
  }

  totals(): VideoRtcpTotals {
    return { ...this.totalsNow };
  }

  /** Sends the reports due now (the timer calls this; tests may too). */
  sendReports(): void {
    if (this.closed || this.dests.size === 0) return;
    let info: SenderInfo | undefined;
    try {
      info = this.opts.senderInfo();
    } catch (e) {
      this.emit('warning', `RTCP: no sender figures: ${errorMessage(e)}`);
      return;
    }
    // RFC 3550 §6.4: nothing sent yet, nothing to report as a sender.
    if (!info) return;
    this.ssrc = info.ssrc;
    const compound = Buffer.concat([buildSenderReport(info), buildSdesCname(info.ssrc, this.opts.cname)]);
    for (const d of this.dests.values()) {
      if (this.send(d, compound)) {
        d.stats.senderReports++;
        this.totalsNow.senderReports++;
      }
    }
  }

  /** Stops timers and listening; the socket stays the caller's. */
  close(): void {
    if (this.closed) return;
    for (const id of [...this.dests.keys()]) this.remove(id);
    this.closed = true;
    this.stopTimer();
    this.opts.socket.off('message', this.onMessage);
  }

  private schedule(factor = 1): void {
    // RFC 3550 §6.3.1: randomised to [0.5, 1.5] of the interval so reports from many senders don't synchronise.
    const delay = Math.max(1, this.intervalMs * factor * (0.5 + this.random()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendReports();
      if (this.dests.size > 0 && !this.closed) this.schedule();
    }, delay);
    this.timer.unref?.();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setSrtp(d: Dest, srtp: RtcpDestinationSrtp | undefined): void {
    if (!srtp) {
      delete d.srtp;
      delete d.stats.srtcpAuthFailures;
      delete d.stats.srtcpReplays;
      return;
    }
    const unprotect = this.opts.srtcp?.unprotectorFor(srtp.remoteKey);
    // Fail closed: an SRTP screen we can't key gets no RTCP, and nothing from it is believed.
    if (!unprotect) this.emit('warning', `RTCP: destination ${d.id} is SRTP but ${this.opts.srtcp ? 'its key is not usable' : 'there is no SRTCP'}: no RTCP with it`);
    d.srtp = { remoteKey: srtp.remoteKey, unprotect };
    d.stats.srtcpAuthFailures ??= 0;
    d.stats.srtcpReplays ??= 0;
  }

  /** What goes on the wire to `d`: SRTCP for an SRTP destination (RFC 3711 §3.4), the packet itself otherwise. */
  private wire(d: Dest, packet: Buffer): Buffer | undefined {
    if (!d.srtp) return packet;
    if (!d.srtp.unprotect || !this.opts.srtcp) return undefined;
    return this.opts.srtcp.protect(packet);
  }

  private send(d: Dest, packet: Buffer): boolean {
    const out = this.wire(d, packet);
    if (!out) return false;
    try {
      this.opts.socket.send(out, d.rtcp.port, d.rtcp.address, (err) => {
        // After close() a pending send may fail (the socket is going): nobody to tell.
        if (err && !d.sendFailed && !this.closed) {
          d.sendFailed = true;
          this.emit('warning', `RTCP to ${d.rtcp.address}:${d.rtcp.port}: ${err.message}`);
        }
      });
      return true;
    } catch (e) {
      // A closed socket or an address of the other family throws synchronously.
      if (!d.sendFailed) {
        d.sendFailed = true;
        this.emit('warning', `RTCP to ${d.rtcp.address}:${d.rtcp.port}: ${errorMessage(e)}`);
      }
      return false;
    }
  }

  /** Which destination a packet came from: its RTCP address and port, else the same host (a NAT may change ports). */
  private sourceOf(rinfo: RemoteInfo): Dest | undefined {
    const all = [...this.dests.values()];
    return (
      all.find((d) => d.rtcp.address === rinfo.address && d.rtcp.port === rinfo.port) ??
      all.find((d) => d.rtp.address === rinfo.address && d.rtp.port === rinfo.port) ??
      all.find((d) => d.rtcp.address === rinfo.address || d.rtp.address === rinfo.address)
    );
  }

  private receive(msg: Buffer, rinfo: RemoteInfo): void {
    try {
      this.handle(msg, rinfo);
    } catch (e) {
      // Never out of a socket callback: that would be an uncaught exception in the daemon.
      this.totalsNow.malformed++;
      this.emit('warning', `RTCP from ${rinfo.address}:${rinfo.port}: ${errorMessage(e)}`);
    }
  }

  private handle(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed) return;
    const d = this.sourceOf(rinfo);
    if (!d) {
      this.totalsNow.ignored++;
      return;
    }
    const plain = this.plain(d, msg);
    if (!plain) return;
    const { packets } = parseRtcp(plain);
    if (packets.length === 0) {
      this.totalsNow.malformed++;
      return;
    }
    // What was readable before a fault is used (a screen's PLI after a bad SDES still counts).
    d.stats.received++;
    for (const p of packets) {
      switch (p.type) {
        case 'sr':
        case 'rr':
          this.noteReports(d, p.reports);
          break;
        case 'pli':
          // RFC 4585 §6.1: the media source is ours; 0 from screens that don't know it yet.
          if (!this.isOurs(p.mediaSsrc, true)) {
            this.totalsNow.ignored++;
            break;
          }
          d.stats.pliReceived++;
          this.totalsNow.pliReceived++;
          this.emit('key-frame-request', d.id, 'pli');
          break;
        case 'fir': {
          // RFC 5104 §4.3.1.2: the target SSRC is in the FCI entries (media SSRC is 0).
          const entry = p.entries.find((e) => this.isOurs(e.ssrc, false));
          if (!entry) {
            this.totalsNow.ignored++;
            break;
          }
          d.stats.firReceived++;
          this.totalsNow.firReceived++;
          if (entry.sequence === d.lastFirSeq) break;
          d.lastFirSeq = entry.sequence;
          this.emit('key-frame-request', d.id, 'fir');
          break;
        }
        default:
          break;
      }
    }
  }

  /** The plain RTCP of what `d` sent, or undefined when it was dropped (and counted). */
  private plain(d: Dest, msg: Buffer): Buffer | undefined {
    if (!d.srtp) return msg;
    // No key: as if nothing authenticated.
    const r: UnprotectResult = d.srtp.unprotect ? d.srtp.unprotect(msg) : { ok: false, reason: 'auth' };
    if (r.ok) return r.packet;
    this.countDrop(d, r.reason);
    return undefined;
  }

  /*
   * RFC 3711 §3.3 steps 4-5 (for SRTCP by §3.4): a replayed or unauthenticated packet is discarded
   * and SHOULD be counted. "Malformed" SRTCP (shorter than a tag, or not RTCP) is plain RTCP or
   * junk from a screen that must send SRTCP: unauthenticated, and counted as such.
   */
  private countDrop(d: Dest, reason: DropReason): void {
    if (reason === 'replay') {
      d.stats.srtcpReplays = (d.stats.srtcpReplays ?? 0) + 1;
      this.totalsNow.srtcpReplays++;
    } else {
      d.stats.srtcpAuthFailures = (d.stats.srtcpAuthFailures ?? 0) + 1;
      this.totalsNow.srtcpAuthFailures++;
    }
  }

  private isOurs(ssrc: number, zeroOk: boolean): boolean {
    // Before our first SR we don't know our SSRC: one video stream, so take it.
    return this.ssrc === undefined || ssrc === this.ssrc || (zeroOk && ssrc === 0);
  }

  private noteReports(d: Dest, reports: readonly ReportBlock[]): void {
    const r = reports.find((b) => this.ssrc !== undefined && b.ssrc === this.ssrc);
    if (!r) return;
    d.stats.fractionLost = r.fractionLost;
    d.stats.cumulativeLost = r.cumulativeLost;
    d.stats.jitter = r.jitter;
  }
}
