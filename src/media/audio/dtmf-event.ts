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

/** Turns a stream of telephone-event packets into one digit per press. */
export class DtmfDeduplicator {
  private readonly seen: string[] = [];

  /** The digit when this packet starts a press not seen before, else undefined. */
  accept(ssrc: number, timestamp: number, payload: Buffer): DtmfDigit | undefined {
    const ev = parseTelephoneEvent(payload);
    if (!ev) return undefined;
    const digit = eventToDigit(ev.event);
    if (!digit) return undefined;
    // Any packet of a press may be the first to arrive (start ones get lost), so the key is the press, not the packet.
    const key = `${ssrc}:${timestamp}`;
    if (this.seen.includes(key)) return undefined;
    this.seen.push(key);
    if (this.seen.length > 32) this.seen.shift();
    return digit;
  }
}
