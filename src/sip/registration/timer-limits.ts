/**
 * Sane ranges for the timers a registrar sets for us (issue 12). Node's
 * setTimeout and setInterval take at most 2^31-1 ms (about 24.8 days); a
 * larger delay fires after 1 ms. A registrar granting Expires 4,000,000
 * (RFC 3261 §10.2.4 allows up to 2^32-1) therefore had us REGISTER in a
 * loop, and a huge Flow-Timer (RFC 5626 §5.4) made the keep-alive 1 ms.
 * Whatever the registrar says, the timers it drives stay in these bounds.
 */

/** The longest delay a Node timer honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** We refresh at least once a day, whatever longer binding was granted (refreshing early is always allowed). */
export const MAX_BINDING_S = 86_400;
/** Keep-alive bounds (RFC 5626 §4.4.1): at most one ping a second (a ping waits for its pong anyway), at least one an hour. */
export const MIN_FLOW_TIMER_S = 1;
export const MAX_FLOW_TIMER_S = 3_600;
/** The longest Retry-After (RFC 3261 §20.33) we wait before trying the registrar again. */
export const MAX_RETRY_AFTER_S = 3_600;

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** A delay in ms a timer will honour: at least 0, at most MAX_TIMER_MS. */
export function timerDelay(ms: number): number {
  return Number.isFinite(ms) ? clamp(Math.round(ms), 0, MAX_TIMER_MS) : MAX_TIMER_MS;
}

/** The binding lifetime we plan the refresh by: the granted one, capped at a day. */
export function bindingSeconds(granted: number): number {
  return clamp(granted, 1, MAX_BINDING_S);
}

/** The keep-alive upper bound from a Flow-Timer, within [1 s, 1 h]. */
export function flowTimerSeconds(flowTimer: number): number {
  return clamp(flowTimer, MIN_FLOW_TIMER_S, MAX_FLOW_TIMER_S);
}

/**
 * Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) (§20.33, §25.1),
 * in ms, capped at an hour; undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  let i = 0;
  while (value[i] === ' ' || value[i] === '\t') i++;
  const start = i;
  while (i < value.length && i - start < 11 && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
  if (i === start) return undefined;
  return Math.min(Number(value.slice(start, i)), MAX_RETRY_AFTER_S) * 1000;
}
