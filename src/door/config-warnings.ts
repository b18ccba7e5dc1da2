/**
 * Settings that load fine but will not do what a user expects, said in
 * their words: `check-config` prints them and the daemon logs them at
 * start-up.
 */
import type { Config } from '../config/schema.js';
import { AllowList } from './opener/allow-list.js';

export function configWarnings(config: Config): string[] {
  const out: string[] = [];
  // Any code, the single relay's or one of [[relays]] (issue 15).
  if (config.door.open_code === '' && config.relays.every((r) => r.open_codes.length === 0)) return out;
  // Who answered a call the door made is the URI it called (door/call/call-core.ts Answer.identity), not the screen
  // behind a group: a code from that screen counts only when the group's URI itself is allowed (issue 13 item 3).
  const allowed = new AllowList(config.door.allowed);
  for (const target of config.call.targets) {
    if (allowed.match(target)) continue;
    out.push(
      `call.targets has ${target}, which door.allowed does not list: screens answering calls to ${target} cannot open the door by code ` +
        `(add "${target}" to door.allowed if every screen it reaches may open the door)`,
    );
  }
  return out;
}
