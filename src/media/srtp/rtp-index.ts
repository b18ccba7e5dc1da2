/**
 * The SRTP packet index (RFC 3711 §3.3.1): i = 2^16 * ROC + SEQ, where
 * the 32-bit rollover counter ROC is never sent and both ends keep it by
 * watching the 16-bit sequence number wrap. The guess follows Appendix A.
 */

export interface IndexState {
  /** ROC. */
  roc: number;
  /** s_l: the highest sequence number seen (authenticated) under `roc`. */
  highestSeq: number;
}

/** RFC 3711 Appendix A: the index a sequence number most likely belongs to, and the ROC guess v. -1 when it would precede index 0. */
export function estimateIndex(state: IndexState | undefined, seq: number): { index: number; v: number } {
  // §3.3.1: the receiver's first packet sets s_l to its SEQ with ROC 0.
  if (!state) return { index: seq, v: 0 };
  const { roc, highestSeq: sl } = state;
  let v = roc;
  if (sl < 0x8000) {
    if (seq - sl > 0x8000) v = roc - 1;
  } else if (sl - 0x8000 > seq) v = roc + 1;
  if (v < 0) return { index: -1, v };
  return { index: v * 0x10000 + seq, v };
}

/** §3.3.1: after a packet authenticated, move ROC and s_l forward (never back). */
export function updateIndex(state: IndexState | undefined, seq: number, v: number): IndexState {
  if (!state) return { roc: v, highestSeq: seq };
  if (v > state.roc) return { roc: v, highestSeq: seq };
  if (v === state.roc && seq > state.highestSeq) return { roc: v, highestSeq: seq };
  return state;
}
