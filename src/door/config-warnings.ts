/**
 * Settings that load fine but will not do what a user expects, said in
 * their words: `check-config` prints them and the daemon logs them at
 * start-up.
 */
import type { Config } from '../config/schema.js';
import { AllowList } from './opener/allow-list.js';
import { effectiveButtons } from '../config/buttons.js';

/** Every target a press may ring: [call]'s and each button's and schedule's (issue 15). */
function allTargets(config: Config): string[] {
  const plans = effectiveButtons(config).flatMap((b) => [b, ...b.schedule]);
  return [...new Set([...config.call.targets, ...plans.flatMap((p) => p.targets ?? [])])];
}

export function configWarnings(config: Config): string[] {
  const out: string[] = [];
  // Any code, the single relay's or one of [[relays]] (issue 15).
  if (config.door.open_code === '' && config.relays.every((r) => r.open_codes.length === 0)) return out;
  // Who answered a call the door made is the URI it called (door/call/call-core.ts Answer.identity), not the screen
  // behind a group: a code from that screen counts only when the group's URI itself is allowed (issue 13 item 3).
  const allowed = new AllowList(config.door.allowed);
  for (const target of allTargets(config)) {
    if (allowed.match(target)) continue;
    out.push(
      `call.targets has ${target}, which door.allowed does not list: screens answering calls to ${target} cannot open the door by code ` +
        `(add "${target}" to door.allowed if every screen it reaches may open the door)`,
    );
  }
  return out;
}
