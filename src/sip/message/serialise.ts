/**
 * SipRequest | SipResponse -> Buffer (RFC 3261 §7). Content-Length is
 * always written from the body actually sent: a stale value would break
 * stream framing (§18.3) and §20.14 wants it even for an empty body.
 */
import { SIP_VERSION, type SipMessage } from './message.js';

export function startLineOf(msg: SipMessage): string {
  return msg.kind === 'request' ? `${msg.method} ${msg.uri} ${SIP_VERSION}` : `${SIP_VERSION} ${msg.status} ${msg.reason}`;
}

export function serialiseMessage(msg: SipMessage): Buffer {
  let head = `${startLineOf(msg)}\r\n`;
  for (const [name, value] of msg.headers) {
    if (name === 'Content-Length') continue;
    head += `${name}: ${value}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), msg.body]);
}
