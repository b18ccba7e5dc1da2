/**
 * `check-config` on buttons (issue 15): what each button rings and when, in
 * a user's words, and the one-button keys that [[buttons]] makes unused.
 */
import { effectiveButtons, type EffectiveButton } from '../config/buttons.js';
import type { Config } from '../config/schema.js';
import { DEFAULT_PLAN, scheduleName } from './plan/call-plan.js';

interface PlanKeys {
  targets?: string[] | undefined;
  mode?: string | undefined;
  ring_timeout?: number | undefined;
  early_media?: string | undefined;
}

function describePlan(p: PlanKeys, base: Required<PlanKeys>): string {
  const targets = p.targets ?? base.targets;
  const mode = p.mode ?? base.mode;
  return `${targets.length ? targets.join(', ') : '(no targets: a press fails)'}${targets.length > 1 ? ` (${mode})` : ''}, ring_timeout ${p.ring_timeout ?? base.ring_timeout} s, early_media ${p.early_media ?? base.early_media}`;
}

function describeButton(b: EffectiveButton, config: Config): string[] {
  const line = b.line >= 0 ? `GPIO ${b.line}${b.active_low ? ' (active low)' : ' (active high)'}` : 'no GPIO line (ring/press NAME only)';
  const base = { targets: config.call.targets, mode: config.call.mode, ring_timeout: config.call.ring_timeout, early_media: config.call.early_media };
  const own = { targets: b.targets ?? base.targets, mode: b.mode ?? base.mode, ring_timeout: b.ring_timeout ?? base.ring_timeout, early_media: b.early_media ?? base.early_media };
  const head = b.single ? `button "button" (the one-button keys gpio.button and [call]; for several buttons write [[buttons]])` : `button "${b.name}"`;
  const zone = config.call.timezone || 'the system time zone';
  return [
    `${head}: ${line}`,
    ...b.schedule.map((s, i) => `  plan "${scheduleName(s, i)}", ${s.days.join(', ')} ${s.from}-${s.to}${s.to <= s.from ? ' (to the next day)' : ''}: ${describePlan(s, own)}`),
    `  plan "${DEFAULT_PLAN}"${b.schedule.length ? ` (when no schedule above is in force; the first in force wins; times in ${zone})` : ''}: ${describePlan(b, base)}`,
  ];
}

/** One line per button and plan, for `check-config` (printed as TOML comments). */
export function buttonSummary(config: Config): string[] {
  return effectiveButtons(config).flatMap((b) => describeButton(b, config));
}

/** `raw`: the file as TOML data, to tell keys written from defaults. */
export function buttonWarnings(config: Config, raw: unknown): string[] {
  if (config.buttons.length === 0) return [];
  const gpio = (raw as { gpio?: Record<string, unknown> } | undefined)?.gpio;
  const unused = ['button', 'button_active_low'].filter((k) => gpio && k in gpio);
  if (unused.length === 0) return [];
  return [
    `${unused.map((k) => `gpio.${k}`).join(' and ')} ${unused.length > 1 ? 'are' : 'is'} not used when [[buttons]] is given: ` +
      `each button's line and polarity are its line and active_low (remove ${unused.length > 1 ? 'them' : 'it'}, or move ${unused.length > 1 ? 'them' : 'it'} into a [[buttons]] entry)`,
  ];
}
