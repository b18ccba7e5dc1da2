/**
 * The text of anything thrown. A `throw` in JavaScript may carry any value;
 * logs and replies want one line of text for it.
 */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The stack where there is one: for bugs, where the message alone does not say where. */
export function errorDetail(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
