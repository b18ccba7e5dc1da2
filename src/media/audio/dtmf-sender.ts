/**
 * The packets of one RFC 4733 key press, as a schedule: a start packet
 * with the marker bit, updates every 20 ms with the duration so far, and
 * the end packet three times (RFC 4733 §2.5.1.2-4). All carry the press's
 * start timestamp.
 */
import type { DtmfDigit } from '../../dtmf.js';
import { buildTelephoneEvent, digitToEvent } from './dtmf-event.js';

export interface DtmfPacketPlan {
  /** When to send it, from the start of the press. */
  atMs: number;
  marker: boolean;
  payload: Buffer;
}

export const DTMF_PACKET_INTERVAL_MS = 20;
const VOLUME = 10;

export function dtmfPacketPlan(digit: DtmfDigit, durationMs: number, clockRate: number): DtmfPacketPlan[] {
  const event = digitToEvent(digit);
  const units = (ms: number) => Math.round((ms * clockRate) / 1000);
  const plan: DtmfPacketPlan[] = [];
  const steps = Math.max(1, Math.round(durationMs / DTMF_PACKET_INTERVAL_MS));
  for (let i = 0; i < steps; i++) {
    plan.push({
      atMs: i * DTMF_PACKET_INTERVAL_MS,
      marker: i === 0,
      payload: buildTelephoneEvent({ event, end: false, volume: VOLUME, duration: units((i + 1) * DTMF_PACKET_INTERVAL_MS) }),
    });
  }
  const end = buildTelephoneEvent({ event, end: true, volume: VOLUME, duration: units(steps * DTMF_PACKET_INTERVAL_MS) });
  for (let r = 0; r < 3; r++) plan.push({ atMs: steps * DTMF_PACKET_INTERVAL_MS + r * DTMF_PACKET_INTERVAL_MS, marker: false, payload: end });
  return plan;
}
