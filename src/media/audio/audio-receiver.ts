/**
 * The incoming half of the talk: every packet on the audio socket, checked
 * before anything is played or read as a digit.
 * - only the talk's peer is heard: audio from its address, telephone-events
 *   from its address AND the port its SDP names (RFC 4961); before the
 *   answer nothing received is played or read as a digit, so a ringing
 *   fork can neither be heard nor key the code;
 * - SRTP packets are authenticated first; failures are counted (by the
 *   SRTP session) and dropped, never thrown out of the socket handler;
 * - a press is remembered for the whole call (dtmf-event.ts), so a
 *   replayed code is no digit.
 * It reads the session's state through ReceiverHost, so it never imports
 * audio-session.ts.
 */
import type { RemoteInfo } from 'node:dgram';
import type { DtmfDigit } from '../../dtmf.js';
import { DTMF_PRESSES_PER_CALL, DtmfDeduplicator } from './dtmf-event.js';
import { parseRtp } from '../rtp/rtp-packet.js';
import { isRtcp } from '../rtp/rtp-header.js';
import type { SrtpSession } from '../srtp/srtp-session.js';
import type { AudioStats, TalkParams } from '../media-engine.js';

export type ReceiveCounters = Pick<AudioStats, 'packetsReceived' | 'bytesReceived' | 'packetsRejected' | 'dtmfReceived'>;

/** The session as it stands when a packet comes: talk, SRTP and counters are replaced per talk. */
export interface ReceiveState {
  talk: TalkParams | undefined;
  srtp: SrtpSession | undefined;
  counters: ReceiveCounters;
}

/** What the receiver needs of the session. */
export interface ReceiverHost {
  state(): ReceiveState;
  /** An audio packet of the talk's codec, to be played. */
  play(packet: Buffer): void;
  dtmf(digit: DtmfDigit): void;
  warning(text: string): void;
}

export class AudioReceiver {
  private dedup = new DtmfDeduplicator();
  /** The call (TalkParams.session) the presses in `dedup` belong to. */
  private dedupSession: string | undefined;

  constructor(private readonly host: ReceiverHost) {}

  /** A talk starts: replay memory lasts the call, so a re-INVITE (hold, resume, codec change) keeps it, a new call starts afresh. */
  talkStarted(session: string | undefined): void {
    if (session === undefined || session !== this.dedupSession) {
      this.dedup = new DtmfDeduplicator();
      this.dedupSession = session;
    }
  }

  onPacket(msg: Buffer, rinfo: RemoteInfo): void {
    const { talk, srtp, counters } = this.host.state();
    // Before the answer nothing is read: a ringing fork is neither heard nor able to key a digit.
    if (!talk) return;
    // Only the peer we talk to: DTMF opens the door, so nobody else gets heard.
    if (stripV4Mapped(rinfo.address) !== stripV4Mapped(talk.address)) {
      counters.packetsRejected++;
      return;
    }
    let packet = msg;
    if (srtp) {
      // SRTCP under rtcp-mux is not ours to read here (RFC 5761 §4); it must not count as a failed SRTP tag either.
      if (isRtcp(msg)) return;
      // RFC 3711 §3.3: authenticate (and check replay) before anything reads the payload.
      const plain = srtp.unprotectRtp(msg);
      if (!plain) return;
      packet = plain;
    }
    const rtp = parseRtp(packet);
    if (!rtp) return;
    counters.packetsReceived++;
    counters.bytesReceived += msg.length;
    if (talk.dtmf && rtp.payloadType === talk.dtmf.payloadType) {
      // A digit only from the port its SDP names (symmetric RTP, RFC 4961), not any port of its IP (issue 12 row 19).
      if (rinfo.port !== talk.port) {
        counters.packetsRejected++;
        return;
      }
      const digit = this.dedup.accept(rtp.ssrc, rtp.timestamp, rtp.payload);
      if (digit) {
        counters.dtmfReceived++;
        this.host.dtmf(digit);
      } else if (this.dedup.refused === 1) this.host.warning(`${this.dedup.refused} RFC 4733 press refused: this call already had ${DTMF_PRESSES_PER_CALL}`);
      return;
    }
    if (rtp.payloadType !== talk.payloadType) return;
    this.host.play(packet);
  }
}

function stripV4Mapped(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
