/**
 * One line of the call log (calls.jsonl): a call a press started, written
 * once when it ends. The schema checks every line read back, so a line
 * torn by a power cut, or edited by hand into nonsense, is skipped instead
 * of shown.
 */
import { z } from 'zod';

/** A picture's file name in the picture directory: plain (no `/`, no dot first), as the recorder writes it. */
export const PICTURE_NAME = /^visitor-[A-Za-z0-9._-]{1,120}\.jpg$/;

const opening = z.object({
  /** ISO 8601 UTC. */
  time: z.string(),
  relay: z.string(),
  method: z.string(),
  by: z.string(),
});

export const callRecordSchema = z.object({
  /** The daemon's call id (ids start again at 1 when the daemon restarts). */
  id: z.number().int().nonnegative(),
  /** The press, ISO 8601 UTC. */
  time: z.string().refine((t) => !Number.isNaN(Date.parse(t)), { message: 'not a time' }),
  button: z.string(),
  plan: z.string(),
  targets: z.array(z.string()),
  /** The URI that answered (the door call's peer), or null when nobody did. */
  answered_by: z.string().nullable(),
  /** Press to answer, or press to end when nobody answered. */
  ring_ms: z.number().int().nonnegative(),
  /** Answer to end; 0 when nobody answered. */
  talk_ms: z.number().int().nonnegative(),
  /** Why it ended (the call-state-changed Reason), e.g. "hung up by peer", "no answer within 30 s". */
  end: z.string(),
  door: z.array(opening),
  pictures: z.array(z.string().regex(PICTURE_NAME)),
});

export type CallRecord = z.infer<typeof callRecordSchema>;
export type DoorOpening = CallRecord['door'][number];

/** The record, or undefined when the line is not one (torn, truncated, zero-filled, hand-broken). */
export function parseRecordLine(line: string): CallRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const r = callRecordSchema.safeParse(value);
  return r.success ? r.data : undefined;
}
