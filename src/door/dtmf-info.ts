/**
 * DTMF carried in SIP INFO bodies: `application/dtmf-relay` (`Signal=5`,
 * Cisco's format most phones use) and `application/dtmf` (the bare digit).
 */
const DIGIT = /^[0-9A-D*#]$/i;

export function digitFromInfo(contentType: string | undefined, body: string): string | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  let digit: string | undefined;
  if (type === 'application/dtmf-relay') digit = /^\s*Signal\s*=\s*(\S)/im.exec(body)?.[1];
  else if (type === 'application/dtmf') digit = body.trim().slice(0, 1);
  return digit && DIGIT.test(digit) ? digit.toUpperCase() : undefined;
}
