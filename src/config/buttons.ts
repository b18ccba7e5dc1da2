/**
 * The buttons a config describes (issue 15): the `[[buttons]]` list, or,
 * when it is empty, the single button of the one-button keys, named
 * "button" (`gpio.button`, `gpio.button_active_low`, the plan of `[call]`).
 * GPIO takes their lines from here, the door their plans.
 */
import type { ButtonConfig, Config } from './schema.js';

/** The name of the button of the one-button keys. */
export const SINGLE_BUTTON = 'button';

export interface EffectiveButton extends ButtonConfig {
  /** True for the one-button keys' button: `press` with `gpio.button = -1` says there is no button, as before. */
  readonly single: boolean;
}

export function effectiveButtons(config: Pick<Config, 'buttons' | 'gpio'>): EffectiveButton[] {
  if (config.buttons.length > 0) return config.buttons.map((b) => ({ ...b, single: false }));
  // No targets of its own: the plan reads [call] at each press (mDNS discovery replaces call.targets in place).
  return [{ name: SINGLE_BUTTON, line: config.gpio.button, active_low: config.gpio.button_active_low, schedule: [], single: true }];
}
