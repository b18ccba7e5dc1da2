/**
 * Commands received on PREFIX/NODE/command. Plain words, as a Home Assistant
 * button's `payload_press` or `mosquitto_pub -m` sends them; anything else
 * is refused with a reason, never thrown (the network is untrusted input).
 */
export type MqttCommand =
  /** `button` undefined: the first button, as a press of today's single button. */
  | { readonly kind: 'ring'; readonly button?: string }
  | { readonly kind: 'terminate'; readonly id?: number }
  | { readonly kind: 'open-door'; readonly relay?: string };

export type ParsedCommand = MqttCommand | { readonly kind: 'invalid'; readonly reason: string };

/** The longest payload looked at: a command is a few words. */
export const MAX_COMMAND_BYTES = 256;

export function parseMqttCommand(payload: Buffer | string): ParsedCommand {
  if (payload.length > MAX_COMMAND_BYTES) return { kind: 'invalid', reason: `longer than ${MAX_COMMAND_BYTES} bytes` };
  const text = payload.toString().trim();
  const [word, arg, extra] = text.split(/\s+/);
  if (extra !== undefined) return { kind: 'invalid', reason: `too many words in "${printable(text)}"` };
  switch (word) {
    case 'ring':
      return arg === undefined ? { kind: 'ring' } : { kind: 'ring', button: arg };
    case 'terminate': {
      if (arg === undefined) return { kind: 'terminate' };
      return /^\d{1,9}$/.test(arg) ? { kind: 'terminate', id: Number(arg) } : { kind: 'invalid', reason: 'terminate takes a call id' };
    }
    case 'open-door':
      return arg === undefined ? { kind: 'open-door' } : { kind: 'open-door', relay: arg };
    default:
      return { kind: 'invalid', reason: `unknown command "${printable(word ?? '')}"` };
  }
}

/** For log lines: no control characters, at most 40 characters. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, 40);
}
