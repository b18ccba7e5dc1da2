/**
 * The call plan a button's press follows (issue 15): the first of its
 * `[[buttons.schedule]]` entries in force at the press, else the button's
 * own plan ("default"); each key a plan leaves unset comes from the button,
 * and the button's from `[call]`, read at the press (mDNS discovery replaces
 * `call.targets` while the daemon runs).
 */
import type { EffectiveButton } from '../../config/buttons.js';
import type { CallConfig } from '../../config/schema.js';
import { inForce } from './schedule.js';

export interface CallPlan {
  /** The button's name. */
  button: string;
  /** "default", or the schedule entry's name ("schedule-N" when it has none). */
  name: string;
  targets: string[];
  mode: CallConfig['mode'];
  ring_timeout: number;
  early_media: CallConfig['early_media'];
}

export const DEFAULT_PLAN = 'default';

export function scheduleName(entry: { name?: string | undefined }, index: number): string {
  return entry.name ?? `schedule-${index + 1}`;
}

export function planInForce(button: EffectiveButton, call: CallConfig, at: Date): CallPlan {
  const index = button.schedule.findIndex((s) => inForce(s, at, call.timezone));
  const entry = index >= 0 ? button.schedule[index]! : undefined;
  return {
    button: button.name,
    name: entry ? scheduleName(entry, index) : DEFAULT_PLAN,
    targets: [...(entry?.targets ?? button.targets ?? call.targets)],
    mode: entry?.mode ?? button.mode ?? call.mode,
    ring_timeout: entry?.ring_timeout ?? button.ring_timeout ?? call.ring_timeout,
    early_media: entry?.early_media ?? button.early_media ?? call.early_media,
  };
}
