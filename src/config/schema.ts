/**
 * The config file of SPEC section 2 as a zod schema: every key, its type,
 * its range and its default; every problem is reported at once with its
 * key path (docs/configuration.md is the reference for users).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { LOG_LEVELS } from '../log/logger.js';
import { VERSION } from '../version.js';
import { isDtmfCode } from '../dtmf.js';
import { checkUniqueNames, panelSchemas } from './panel-schema.js';

const SIP_URI = /^sips?:([^@\s;?]+@)?(\[[0-9a-fA-F:.]+\]|[^@\s:;?[\]]+)(:\d{1,5})?(;[^\s?]*)?(\?\S*)?$/;
/** `udp:0.0.0.0:5060`, `tcp:[::]:5060`, `tls:door.example:5061`. */
const LISTEN = /^(udp|tcp|tls):(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

const sipUri = (what: string) =>
  z.string().regex(SIP_URI, { message: `must be a SIP URI such as "sip:${what}@myhouse"` });
const optionalSipUri = (what: string) => z.union([z.literal(''), sipUri(what)]);

const int = (min: number, max: number, unit = '') =>
  z
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}${unit}` })
    .max(max, { message: `must be at most ${max}${unit}` });
// Units are written as ` (seconds)` so "at least 1 (seconds)" reads right for any number.

const listenAddress = z
  .string()
  .regex(LISTEN, { message: 'must look like "udp:0.0.0.0:5060", "tcp:[::]:5060" or "tls:HOST:5061"' })
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, { message: 'port must be at most 65535' });

/** A name server: `192.168.1.1`, `127.0.0.1:5353`, `[::1]:53`. */
const dnsServer = z.string().refine(
  (s) => {
    const m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([\d.]+)(?::(\d{1,5}))?$/.exec(s) ?? /^([0-9a-fA-F:]+)()$/.exec(s);
    return !!m && isIP(m[1]!) !== 0 && Number(m[2] || 53) <= 65535;
  },
  { message: 'must be an IP address with an optional port, such as "192.168.1.1", "127.0.0.1:5353" or "[::1]:53"' },
);

/** A GPIO line number, or -1 for "not wired". */
const gpioLine = int(-1, 1023);

const portRange = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, { message: 'must be a range such as "16384-16483"' })
  .refine(
    (s) => {
      const [lo, hi] = s.split('-').map(Number) as [number, number];
      return lo >= 1024 && hi <= 65535 && hi - lo >= 3;
    },
    { message: 'must lie within 1024-65535 and hold at least 4 ports (RTP and RTCP for audio and video)' },
  );

const sip = z
  .strictObject({
    listen: z.array(listenAddress).min(1, { message: 'needs at least one address' }).default(['udp:0.0.0.0:5060', 'tcp:0.0.0.0:5060']),
    identity: sipUri('door').default('sip:door@doorstation.local'),
    user_agent: z.string().default(`doorstation/${VERSION}`),
    tls_cert: z.string().default(''),
    tls_key: z.string().default(''),
    tls_verify: z.boolean().default(true),
    // RFC 3263 lookups (NAPTR, SRV, A/AAAA) go to these name servers; empty: the system's (and /etc/hosts).
    dns_servers: z.array(dnsServer).default([]),
  })
  .prefault({});

const account = z
  .strictObject({
    registrar: optionalSipUri('myhouse').default(''),
    outbound_proxy: optionalSipUri('proxy').default(''),
    backup_registrar: optionalSipUri('backup').default(''),
    username: z.string().default(''),
    password: z.string().default(''),
    ha1: z
      .string()
      .regex(/^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})?$/, {
        message: 'must be MD5(username:realm:password) as 32 hex digits (or 64 for SHA-256)',
      })
      .default(''),
    expires: int(60, 86400, ' (seconds)').default(600),
  })
  .prefault({})
  .refine((a) => !(a.password && a.ha1), { message: 'set password or ha1, not both', path: ['ha1'] });

const call = z
  .strictObject({
    targets: z.array(sipUri('homescreen')).default(['sip:homescreen@doorstation.local']),
    mode: z.enum(['parallel', 'sequential']).default('parallel'),
    ring_timeout: int(1, 600, ' (seconds)').default(30),
    early_media: z.enum(['none', 'video', 'audio+video']).default('video'),
    max_duration: int(1, 86400, ' (seconds)').default(300),
    // A target named by IP address while an outbound proxy or registrar is in use: "direct" calls it
    // itself (a screen on the LAN keeps working when the proxy is down), "via-proxy" sends it through.
    direct_ip: z.enum(['direct', 'via-proxy']).default('direct'),
    // Issue 15: the IANA zone the buttons' schedules are read in; empty: the system's (TZ, /etc/localtime).
    timezone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin" (or empty for the system\'s)' }).default(''),
  })
  .prefault({});

const media = z
  .strictObject({
    video_source: z.string().min(1).default('test'),
    audio_source: z.string().min(1).default('test'),
    audio_sink: z.string().min(1).default('fake'),
    video_encoder: z.string().min(1).default('auto'),
    width: int(16, 4096).default(640),
    height: int(16, 4096).default(480),
    framerate: int(1, 60).default(15),
    video_bitrate: int(32, 20000, ' (kbit/s)').default(800),
    audio_codecs: z
      .array(z.enum(['opus', 'PCMU', 'PCMA']))
      .min(1, { message: 'needs at least one codec' })
      .default(['opus', 'PCMU', 'PCMA']),
    rtp_ports: portRange.default('16384-16483'),
    preroll: z.boolean().default(true),
    echo_cancel: z.boolean().default(true),
    // SDES-keyed SRTP, AES_CM_128_HMAC_SHA1_80 (RFC 4568, RFC 3711): "optional" offers keys in RTP/AVP
    // (best effort, as linphone and baresip do) and talks plain RTP to a peer without them; "mandatory" offers
    // RTP/SAVP and refuses peers without keys.
    srtp: z.enum(['off', 'optional', 'mandatory']).default('off'),
    // Where `snapshot [NAME]` writes; empty: $STATE_DIRECTORY/pictures (systemd), else ~/.local/state/doorstation/pictures.
    picture_dir: z.union([z.literal(''), z.string().regex(/^\//, { message: 'must be an absolute path (or empty for the default)' })]).default(''),
  })
  .prefault({})
  .refine((m) => /^(test|none|alsa:\S+)$/.test(m.audio_source), {
    message: 'must be "test", "none" or "alsa:DEVICE"',
    path: ['audio_source'],
  })
  .refine((m) => /^(fake|alsa:\S+)$/.test(m.audio_sink), {
    message: 'must be "fake" or "alsa:DEVICE"',
    path: ['audio_sink'],
  });

const gpio = z
  .strictObject({
    backend: z.enum(['onoff', 'sim']).default('sim'),
    button: gpioLine.default(17),
    button_active_low: z.boolean().default(true),
    debounce_ms: int(0, 1000, ' (ms)').default(50),
    relay: gpioLine.default(27),
    relay_active_low: z.boolean().default(false),
    relay_pulse_ms: int(50, 60000, ' (ms)').default(3000),
    led: gpioLine.default(-1),
  })
  // Its lines are checked with every other wired line in checkPanel (config/panel-schema.ts).
  .prefault({});

const door = z
  .strictObject({
    open_code: z
      .string()
      .refine(isDtmfCode, { message: 'may hold only DTMF digits 0-9, A-D, * and #' })
      .max(32, { message: 'must be at most 32 digits' })
      .default(''),
    allowed: z.array(sipUri('homescreen')).default([]),
    auto_answer: z.boolean().default(true),
    max_attempts: int(1, 100).default(5),
    lockout_s: int(1, 86400, ' (seconds)').default(60),
  })
  .prefault({})
  .refine((d) => d.open_code.length === 0 || d.open_code.replace(/#$/, '').length >= 4, {
    message: 'must be at least 4 digits: a shorter code is guessed in minutes',
    path: ['open_code'],
  });

const control = z
  .strictObject({
    socket: z.string().min(1).default('/tmp/doorbell'),
    mode: z.string().regex(/^0?[0-7]{3}$/, { message: 'must be an octal file mode such as "0660"' }).default('0660'),
  })
  .prefault({});

const log = z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({});

// Home automation and home-LAN discovery (issue 16): both off by default, their libraries loaded only when on.
const topic = z.string().regex(/^[^#+\s/][^#+\s]*[^#+\s/]$|^[^#+\s/]$/, { message: 'must be an MQTT topic without wildcards, spaces or a leading/trailing "/"' });
const mqtt = z
  .strictObject({
    enabled: z.boolean().default(false),
    url: z.string().regex(/^(mqtts?):\/\/[^\s/]+(:\d{1,5})?\/?$/, { message: 'must look like "mqtt://broker:1883" or "mqtts://broker:8883"' }).default('mqtt://localhost:1883'),
    username: z.string().default(''),
    password: z.string().default(''),
    ca: z.string().default(''),
    tls_verify: z.boolean().default(true),
    client_id: z.string().max(64).default(''),
    topic_prefix: topic.default('doorstation'),
    node_id: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'may hold only letters, digits, "_" and "-"' }).default('door'),
    discovery: z.boolean().default(true),
    discovery_prefix: topic.default('homeassistant'),
    qos: int(0, 2).default(1),
    allow_open_door: z.boolean().default(false),
    relay_name: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'may hold only letters, digits, "_" and "-"' }).default('door'),
    picture: z.boolean().default(true),
  })
  .prefault({});

const mdns = z
  .strictObject({
    enabled: z.boolean().default(false),
    publish: z.boolean().default(true),
    instance_name: z.string().max(63).default(''),
    resolve_local: z.boolean().default(true),
    discover_registrar: z.boolean().default(false),
    discover_targets: z.boolean().default(false),
    browse_timeout: int(1, 600, ' (seconds)').default(5),
    interface: z.string().default(''),
  })
  .prefault({});

// Visitor pictures and the call log (issue 15): calls.jsonl and the pictures in the state directory.
const history = z
  .strictObject({
    enabled: z.boolean().default(true),
    // The log's bounds: past either, the oldest calls (and their pictures) are removed.
    max_entries: int(10, 100000).default(1000),
    max_bytes: int(16384, 16777216, ' (bytes)').default(1048576),
    pictures: z.boolean().default(true),
    // A second picture this many seconds after the press; 0: none.
    second_picture_s: int(0, 60, ' (seconds)').default(0),
  })
  .prefault({});
// ---- Issue 15 (h15a): several buttons, each with its call plan and schedules ------------------------------
/** `mon`..`sun` and ranges `mon-fri`, `fri-mon` (a range may wrap past Sunday). */
export const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const dayOrRange = z
  .string()
  .regex(new RegExp(`^(${DAY_NAMES.join('|')})(-(${DAY_NAMES.join('|')}))?$`), { message: 'must be a day ("mon" .. "sun") or a range of days such as "mon-fri"' });
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time of day "HH:MM" from "00:00" to "23:59"' });
/** A button's, schedule's or relay's name (panelSchemas takes it too). */
const panelName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, { message: 'must be 1 to 32 letters, digits, "_" or "-"' });
/** What a plan may set; unset keys come from the button, the button's from [call]. */
const planKeys = {
  targets: z.array(sipUri('homescreen')).optional(),
  mode: z.enum(['parallel', 'sequential']).optional(),
  ring_timeout: int(1, 600, ' (seconds)').optional(),
  early_media: z.enum(['none', 'video', 'audio+video']).optional(),
};
const scheduleEntry = z.strictObject({
  name: panelName.optional(),
  days: z.array(dayOrRange).min(1, { message: 'needs at least one day (all week: ["mon-sun"])' }).default(['mon-sun']),
  from: clockTime,
  to: clockTime,
  ...planKeys,
});
const button = z
  .strictObject({
    name: panelName,
    line: gpioLine.default(-1),
    active_low: z.boolean().default(true),
    ...planKeys,
    schedule: z.array(scheduleEntry).default([]),
  })
  .superRefine((b, ctx) => {
    const names = b.schedule.map((s, i) => s.name ?? `schedule-${i + 1}`);
    names.forEach((n, i) => {
      if (n === 'default' || names.indexOf(n) !== i)
        ctx.addIssue({ code: 'custom', path: ['schedule', i, 'name'], message: n === 'default' ? '"default" names the plan outside every schedule' : `"${n}" names two schedules of this button` });
    });
  });
const buttons = z.array(button).default([]);

function isTimeZone(zone: string): boolean {
  if (zone === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Button names are unique; their lines are checked with every other wired line in checkPanel (config/panel-schema.ts). */
function checkButtons(c: { buttons: Array<{ name: string }> }, ctx: z.RefinementCtx): void {
  checkUniqueNames(c.buttons, 'buttons', ctx, (i) => ['buttons', i, 'name']);
}
// ---- end issue 15 (h15a) ----------------------------------------------------------------------------------

// ---- Issue 15 (h15b): several relays, the exit button, the door contact (config/panel-schema.ts) ----------
const { relays, exitButton, doorContact, checkPanel } = panelSchemas({ int, gpioLine, panelName });

export const configSchema = z.strictObject({
  sip,
  account,
  call,
  media,
  gpio,
  door,
  control,
  log,
  mqtt,
  mdns,
  history,
  buttons,
  relays,
  exit_button: exitButton,
  door_contact: doorContact,
})
  .superRefine(checkButtons)
  .superRefine((c, ctx) => checkPanel(c, ctx));

export type Config = z.output<typeof configSchema>;
export type SipConfig = Config['sip'];
export type AccountConfig = Config['account'];
export type CallConfig = Config['call'];
export type MediaConfig = Config['media'];
export type GpioConfig = Config['gpio'];
export type DoorConfig = Config['door'];
export type ControlConfig = Config['control'];
export type MqttConfig = Config['mqtt'];
export type MdnsConfig = Config['mdns'];
export type HistoryConfig = Config['history'];
export type ButtonConfig = Config['buttons'][number];
export type ScheduleConfig = ButtonConfig['schedule'][number];
export type RelayTableConfig = Config['relays'][number];
export type ExitButtonConfig = Config['exit_button'];
export type DoorContactConfig = Config['door_contact'];

/** Keys whose values are masked in `check-config` and never logged. */
export const SECRET_KEYS: ReadonlyArray<readonly [keyof Config, string]> = [
  ['account', 'password'],
  ['account', 'ha1'],
  ['door', 'open_code'],
  ['mqtt', 'password'],
  // An array of tables: every element's open_codes (config/load.ts isSecret, maskSecrets).
  ['relays', 'open_codes'],
];
