/**
 * Early audio (`early_media = "audio+video"`, like the video): the ringing
 * screens that get the door's microphone before anyone answers. One
 * microphone, one encoder, one RTP stream (one SSRC and sequence) for all:
 * each screen gets a copy of every packet in its own payload type, and its
 * own SRTP context keyed with our one call key (SDES keys are per sender,
 * RFC 4568 §6.1; the payloads, and so the key stream, are the same for
 * all). Nothing a ringing screen sends is read (audio-session.ts): only
 * the talk's peer is heard. Send only, so the screen's own key is unused.
 */
import { SrtpSession } from '../srtp/srtp-session.js';
import type { TalkParams } from '../media-engine.js';

interface EarlyDestination {
  params: TalkParams;
  srtp: SrtpSession | undefined;
}

export type EarlyAdd = 'first' | 'added' | 'other-codec';

export class EarlyAudio {
  private readonly dests = new Map<string, EarlyDestination>();

  get size(): number {
    return this.dests.size;
  }

  /**
   * One more screen (or the same id again: an update). 'first' when the
   * microphone must open for it; 'other-codec' (not added) when the others
   * get another codec (one encoder). Throws for unusable SRTP keys.
   */
  add(id: string, params: TalkParams): EarlyAdd {
    const srtp = params.srtp ? SrtpSession.create(params.srtp) : undefined;
    if (params.srtp && !srtp) throw new Error('SRTP keys are not AES_CM_128 key||salt: early audio not started');
    const other = [...this.dests.entries()].find(([k]) => k !== id)?.[1];
    if (other && other.params.codec !== params.codec) return 'other-codec';
    const first = this.dests.size === 0;
    this.dests.set(id, { params, srtp });
    return first ? 'first' : 'added';
  }

  /** True when `id` was the last one (the microphone may close). */
  remove(id: string): boolean {
    return this.dests.delete(id) && this.dests.size === 0;
  }

  clear(): void {
    this.dests.clear();
  }

  /** `rtp` (restamped, plain) to every screen, in its payload type, through `send`. */
  fanOut(rtp: Buffer, send: (packet: Buffer, to: TalkParams, srtp: SrtpSession | undefined) => void): void {
    for (const d of this.dests.values()) {
      const copy = Buffer.from(rtp);
      copy[1] = (copy[1]! & 0x80) | (d.params.payloadType & 0x7f);
      send(copy, d.params, d.srtp);
    }
  }
}
