/** What a 2xx to REGISTER says about the binding: its granted expiry and the flow's keep-alive interval. */
import { parseNameAddr, type SipResponse } from '../message/index.js';

/** §10.2.4: the expiry is the contact's `expires` param in the 2xx, else its Expires header, else what we asked. */
export function grantedExpires(res: SipResponse, ourContact: string, asked: number): number {
  // Ours is parsed once, not again for each of the (up to 1,000) Contacts a registrar may list.
  let ours;
  try {
    ours = parseNameAddr(`<${ourContact}>`).uri;
  } catch {
    ours = undefined;
  }
  for (const value of ours && 'host' in ours ? res.headers.getAll('Contact') : []) {
    try {
      const c = parseNameAddr(value);
      const uri = 'host' in c.uri ? c.uri : undefined;
      if (uri && ours && 'host' in ours && uri.host === ours.host && (uri.port ?? 5060) === (ours.port ?? 5060) && (uri.user ?? '') === (ours.user ?? '')) {
        const e = Number(c.params.get('expires'));
        if (Number.isInteger(e) && e > 0) return e;
      }
    } catch {
      // a contact we cannot read is not ours
    }
  }
  const h = Number(res.headers.get('Expires'));
  return Number.isInteger(h) && h > 0 ? h : asked;
}

/** RFC 5626 §5.4: Flow-Timer, the seconds within which the registrar wants a keep-alive on this flow. */
export function flowTimerOf(res: SipResponse): number | undefined {
  const v = Number(res.headers.get('Flow-Timer'));
  return Number.isInteger(v) && v > 0 ? v : undefined;
}
