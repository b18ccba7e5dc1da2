/**
 * RFC 4733 telephone-event payloads, and the receiving side's rule that
 * each key press is reported once. A press is one timestamp: the sender
 * repeats packets with growing duration and sends the end packet three
 * times, all with the event's start timestamp (RFC 4733 §2.5.1).
 */

import { DTMF_DIGITS, type DtmfDigit } from '../../dtmf.js';

export interface TelephoneEvent {
  /** 0-15 = 0-9 * # A-D; 16 is flash. */
  event: number;
  end: boolean;
  /** -dBm0, 0-63. */
  volume: number;
  /** In timestamp units. */
  duration: number;
}

export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

export function buildTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.alloc(4);
  b[0] = e.event;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(Math.min(0xffff, e.duration), 2);
  return b;
}

export const eventToDigit = (event: number): DtmfDigit | undefined => (event < 16 ? (DTMF_DIGITS[event] as DtmfDigit) : undefined);
export const digitToEvent = (digit: DtmfDigit): number => DTMF_DIGITS.indexOf(digit.toUpperCase());

/** Presses remembered per call: far more than anyone keys in at a door, small enough to bound memory (~100 kB). */
export const DTMF_PRESSES_PER_CALL = 2048;

/**
 * Turns a stream of telephone-event packets into one digit per press, and
 * remembers every press of the call: a captured press sent again later in
 * the same call (a replay of the code) is never a new digit. A press is
 * its (SSRC, timestamp) (RFC 4733 §2.5.1: every packet of one event
 * carries its start timestamp). The memory is bounded: past
 * DTMF_PRESSES_PER_CALL presses, no further digit is accepted in that
 * call (`full` says so), rather than forgetting old ones, which would let
 * them be replayed.
 */
export class DtmfDeduplicator {
  private readonly seen = new Set<string>();
  /** Packets of new presses refused because the call's memory is full. */
  refused = 0;

  constructor(private readonly limit = DTMF_PRESSES_PER_CALL) {}

  get full(): boolean {
    return this.seen.size >= this.limit;
  }

  /** The digit when this packet starts a press not seen before in the call, else undefined. */
  accept(ssrc: number, timestamp: number, payload: Buffer): DtmfDigit | undefined {
    const ev = parseTelephoneEvent(payload);
    if (!ev) return undefined;
    const digit = eventToDigit(ev.event);
    if (!digit) return undefined;
    // Any packet of a press may be the first to arrive (start ones get lost), so the key is the press, not the packet.
    const key = `${ssrc}:${timestamp}`;
    if (this.seen.has(key)) return undefined;
    if (this.full) {
      this.refused++;
      return undefined;
    }
    this.seen.add(key);
    return digit;
  }
}
