/**
 * What unprotecting a packet gives: the plain packet, or why it was
 * dropped. Never an exception: the socket handler counts and goes on
 * (RFC 3711 §3.3 steps 4-5: a failed check means discard, and it SHOULD
 * be logged or counted, never acted upon).
 */

export type DropReason = 'malformed' | 'auth' | 'replay';

export type UnprotectResult = { ok: true; packet: Buffer } | { ok: false; reason: DropReason };

export const dropped = (reason: DropReason): UnprotectResult => ({ ok: false, reason });
