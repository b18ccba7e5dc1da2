/**
 * Wall-clock time as an NTP timestamp (RFC 3550 §4): seconds since
 * 1 January 1900 and a 32-bit binary fraction, as sender reports carry it.
 */

/** Seconds from 1900-01-01 to 1970-01-01. */
const NTP_UNIX_OFFSET = 2_208_988_800;

export interface NtpTime {
  seconds: number;
  fraction: number;
}

/** Unix time in milliseconds (fractions allowed) → NTP; seconds wrap modulo 2^32 (era 1 starts in 2036). */
export function ntpFromUnixMs(ms: number): NtpTime {
  const whole = Math.floor(ms / 1000);
  const frac = (ms - whole * 1000) / 1000;
  return { seconds: (whole + NTP_UNIX_OFFSET) % 0x1_0000_0000, fraction: Math.min(0xffffffff, Math.floor(frac * 0x1_0000_0000)) };
}

/** The middle 32 bits (RFC 3550 §6.4.1 "LSR"): what a receiver echoes in its report blocks. */
export function ntpMiddle(t: NtpTime): number {
  return (((t.seconds & 0xffff) << 16) | (t.fraction >>> 16)) >>> 0;
}
