/**
 * What a client transaction reports to its transaction user (RFC 3261
 * §17.1): responses, its timeout, and transport errors. INVITE and
 * non-INVITE client transactions report the same three things (after
 * SIP.js's transaction-user.ts).
 */
export interface ClientTransactionUser<Res> {
  onResponse(response: Res): void;
  /** Timer B (INVITE, §17.1.1.2) or Timer F (non-INVITE, §17.1.2.2): no final response in 64*T1; the TU treats it as 408. */
  onTimeout(): void;
  /** §8.1.3.1: a transport error is reported to the TU as 503. */
  onTransportError(error: Error): void;
}
