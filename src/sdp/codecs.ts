/**
 * The codecs we offer and their payload numbers. H.264 is constrained
 * baseline with packetization-mode=1, the one profile every home screen
 * decodes (LAB.md: linphone answers 42801F, baresip 42e01f).
 */
import type { Codec } from './types.js';

export const H264: Codec = { name: 'H264', clockRate: 90000, payloadType: 96, fmtp: 'profile-level-id=42e01f;packetization-mode=1' };

const AUDIO: Record<'opus' | 'PCMU' | 'PCMA', Codec> = {
  opus: { name: 'opus', clockRate: 48000, channels: 2, payloadType: 111, fmtp: 'useinbandfec=1' },
  PCMU: { name: 'PCMU', clockRate: 8000, payloadType: 0 },
  PCMA: { name: 'PCMA', clockRate: 8000, payloadType: 8 },
};

/** RFC 4733 events at each clock rate in use, so every audio codec has its DTMF. */
const EVENTS: Record<number, Codec> = {
  8000: { name: 'telephone-event', clockRate: 8000, payloadType: 101, fmtp: '0-16' },
  48000: { name: 'telephone-event', clockRate: 48000, payloadType: 102, fmtp: '0-16' },
};

export function audioCodecs(names: ReadonlyArray<keyof typeof AUDIO>): Codec[] {
  const codecs = names.map((n) => AUDIO[n]);
  const rates = [...new Set(codecs.map((c) => c.clockRate))];
  return [...codecs, ...rates.map((r) => EVENTS[r]!)];
}

export const videoCodecs = (): Codec[] => [H264];
