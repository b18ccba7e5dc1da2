/**
 * The door panel's keys (issue 15): `[[relays]]`, `[exit_button]`,
 * `[door_contact]`, and the checks across sections they need (relay names
 * referenced exist, every line once, codes distinct). Kept beside
 * schema.ts, which builds them with its own number helpers (so the ranges
 * read the same everywhere) and adds them to the config.
 */
import { z } from 'zod';
import { isDtmfCode } from '../dtmf.js';

export interface SchemaHelpers {
  /** A whole number in [min, max], messages as schema.ts writes them. */
  int: (min: number, max: number, unit?: string) => z.ZodNumber;
  /** A GPIO line number, or -1 for "not wired". */
  gpioLine: z.ZodNumber;
  /** A name the daemon's words use (a button's, a relay's): in commands, events, logs and MQTT. */
  panelName: z.ZodString;
}

/** Names of `[[buttons]]` or `[[relays]]` must be unique; `path` places the issue on element `i`'s name. */
export function checkUniqueNames(items: ReadonlyArray<{ name: string }>, kind: 'buttons' | 'relays', ctx: z.RefinementCtx, path: (i: number) => (string | number)[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) ctx.addIssue({ code: 'custom', message: `"${item.name}" names two ${kind} (names must be unique)`, path: path(i) });
    seen.add(item.name);
  });
}

export function panelSchemas({ int, gpioLine, panelName }: SchemaHelpers) {

  /** An open code: DTMF digits, at least 4 before an optional trailing `#` (a shorter code is guessed in minutes). */
  const openCode = z
    .string()
    .refine(isDtmfCode, { message: 'may hold only DTMF digits 0-9, A-D, * and #' })
    .max(32, { message: 'must be at most 32 digits' })
    .refine((c) => c.replace(/#$/, '').length >= 4, { message: 'must be at least 4 digits: a shorter code is guessed in minutes' });

  const relayTable = z.strictObject({
    name: panelName,
    line: gpioLine,
    active_low: z.boolean().default(false),
    pulse_ms: int(50, 60000, ' (ms)').default(3000),
    // Secrets (SECRET_KEYS): masked by check-config, never logged.
    open_codes: z.array(openCode).max(16, { message: 'may hold at most 16 codes' }).default([]),
  });

  /** `[[relays]]`: empty means the single relay of `[gpio]` relay* and `door.open_code`, named "door" (config/relays.ts). */
  const relays = z
    .array(relayTable)
    .max(16, { message: 'may hold at most 16 relays' })
    .default([])
    .superRefine((rs, ctx) => checkUniqueNames(rs, 'relays', ctx, (i) => [i, 'name']));

  const exitButton = z
    .strictObject({
      line: gpioLine.default(-1),
      active_low: z.boolean().default(true),
      relay: panelName.default('door'),
    })
    .prefault({});

  const doorContact = z
    .strictObject({
      line: gpioLine.default(-1),
      // The line's level while the door stands open (a reed contact to ground with a pull-up reads "high" when open).
      open_level: z.enum(['high', 'low']).default('high'),
      relay: panelName.default('door'),
      // 0: no door-held-open event.
      held_open_s: int(0, 86400, ' (seconds)').default(60),
    })
    .prefault({});

  /** The keys a panel check needs; the whole config at run time. */
  interface PanelKeys {
    relays: z.output<typeof relays>;
    exit_button: z.output<typeof exitButton>;
    door_contact: z.output<typeof doorContact>;
    gpio: { button: number; led: number; relay: number };
    /** `[[buttons]]` (issue 15); when given, their lines replace gpio.button's. */
    buttons: ReadonlyArray<{ name: string; line: number }>;
    door: { open_code: string };
    mqtt: { enabled: boolean; allow_open_door: boolean; relay_name: string };
  }

  /**
   * Checks across sections: relay names referenced exist, lines are distinct,
   * codes are distinct across relays (a shared code would open whichever
   * relay comes first), and codes of different lengths can be ended by `#`.
   * Messages never quote a code.
   */
  function checkPanel(c: PanelKeys, ctx: z.RefinementCtx): void {
    const named = c.relays.length > 0;
    const names = named ? c.relays.map((r) => r.name) : ['door'];
    const list = names.map((n) => `"${n}"`).join(', ');
    const mustName = (value: string, path: (string | number)[]) => {
      if (!names.includes(value)) ctx.addIssue({ code: 'custom', message: `names no relay "${value}" (relays: ${list})`, path });
    };
    if (c.exit_button.line >= 0) mustName(c.exit_button.relay, ['exit_button', 'relay']);
    if (c.door_contact.line >= 0) mustName(c.door_contact.relay, ['door_contact', 'relay']);
    if (c.mqtt.enabled && c.mqtt.allow_open_door) mustName(c.mqtt.relay_name, ['mqtt', 'relay_name']);
    if (named && c.door.open_code !== '') {
      ctx.addIssue({ code: 'custom', message: 'is the single-relay form: with [[relays]], give each relay its open_codes', path: ['door', 'open_code'] });
    }
    // Lines: every wired line in use once, [gpio]'s and buttons' included.
    type Wired = [number, string, (string | number)[]];
    // [[buttons]] last: a clash is reported at the button, the line most often added to a working panel.
    const buttons: Wired[] = c.buttons.map((b, i): Wired => [b.line, `the line of button "${b.name}"`, ['buttons', i, 'line']]);
    const lines: Wired[] = [
      ...(buttons.length > 0 ? [] : [[c.gpio.button, 'gpio.button', ['gpio', 'button']] as Wired]),
      [c.gpio.led, 'gpio.led', ['gpio', 'led']],
      ...(named ? c.relays.map((r, i): [number, string, (string | number)[]] => [r.line, `relays "${r.name}"`, ['relays', i, 'line']]) : [[c.gpio.relay, 'gpio.relay', ['gpio', 'relay']] as [number, string, (string | number)[]]]),
      [c.exit_button.line, 'exit_button.line', ['exit_button', 'line']],
      [c.door_contact.line, 'door_contact.line', ['door_contact', 'line']],
      ...buttons,
    ];
    const owner = new Map<number, string>();
    for (const [line, what, path] of lines) {
      if (line < 0) continue;
      const first = owner.get(line);
      if (first === undefined) owner.set(line, what);
      else ctx.addIssue({ code: 'custom', message: `GPIO ${line} is already ${first}: every input and output needs its own line`, path });
    }
    // Codes: as compared (a trailing # is optional), distinct across all relays.
    const codes = named ? c.relays.flatMap((r, i) => r.open_codes.map((code, j) => ({ code, path: ['relays', i, 'open_codes', j] }))) : [];
    const norm = (code: string) => code.replace(/#$/, '');
    const seenCodes = new Set<string>();
    for (const { code, path } of codes) {
      if (seenCodes.has(norm(code))) ctx.addIssue({ code: 'custom', message: 'is the same code as another one: each code must open one relay', path });
      seenCodes.add(norm(code));
    }
    const lengths = new Set(codes.map(({ code }) => norm(code).length));
    if (lengths.size > 1) {
      for (const { code, path } of codes) {
        if (norm(code).includes('#')) {
          ctx.addIssue({ code: 'custom', message: 'holds "#" before its end, but the codes differ in length and "#" is what ends the shorter ones', path });
        }
      }
    }
  }

  return { relays, exitButton, doorContact, checkPanel };
}
