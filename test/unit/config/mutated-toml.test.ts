/**
 * Byte-mutated config files (from the SPEC's full example, every key set):
 * the loader returns a config or a ConfigError whose lines each name the
 * file; a TOML syntax error or a wrong value never escapes as another
 * exception, whatever the bytes. Seeded.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../../src/config/load.js';
import { fuzzFailure, mutate, prng, report } from '../../support/fuzz.js';

const FULL = `[sip]
listen = ["udp:0.0.0.0:5060", "tcp:0.0.0.0:5060"]
identity = "sip:door@doorstation.local"
user_agent = "doorstation/0.1.0"
tls_cert = ""
tls_key = ""
tls_verify = true

[account]
registrar = "sip:myhouse;transport=tcp"
outbound_proxy = ""
backup_registrar = "sip:192.168.1.2:5060"
username = "door"
password = "pw-not-secret"
expires = 600

[call]
targets = ["sip:homescreen@doorstation.local", "sip:kitchen@myhouse"]
mode = "parallel"
ring_timeout = 30
early_media = "video"
max_duration = 300

[media]
video_source = "v4l2:/dev/video0"
audio_source = "alsa:plughw:1"
audio_sink = "alsa:default"
video_encoder = "auto"
width = 640
height = 480
framerate = 15
video_bitrate = 800
audio_codecs = ["opus", "PCMU", "PCMA"]
rtp_ports = "16384-16483"
preroll = true
echo_cancel = true
srtp = "off"

[gpio]
backend = "sim"
button = 17
button_active_low = true
debounce_ms = 50
relay = 27
relay_active_low = false
relay_pulse_ms = 3000
led = -1

[door]
open_code = "1234#"
allowed = ["sip:homescreen@doorstation.local"]
auto_answer = true
max_attempts = 5
lockout_s = 60

[control]
socket = "/tmp/doorbell"
mode = "0660"

[log]
level = "info"
`;

describe('mutated config files', () => {
  it('the seed file is valid', () => {
    expect(parseConfigText(FULL, 'door.toml').door.open_code).toBe('1234#');
  });

  it('load or ConfigError naming the file, never another exception', () => {
    const seed = 2026;
    const rnd = prng(seed);
    const cases = 3000;
    const tally = { loaded: 0, refused: 0 };
    const started = Date.now();
    for (let i = 0; i < cases; i++) {
      const text = mutate(Buffer.from(FULL), rnd).toString('utf8');
      try {
        parseConfigText(text, 'door.toml');
        tally.loaded++;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw fuzzFailure('config loader', seed, i, text, e);
        try {
          expect(e.problems.length).toBeGreaterThan(0);
          for (const p of e.problems) {
            expect(p.startsWith('door.toml:'), p).toBe(true);
            expect(p).not.toMatch(/\n|\s+at \S+ \(/);
          }
          // The secrets of the file never show in what is printed.
          expect(e.problems.join('\n')).not.toContain('pw-not-secret');
        } catch (err) {
          throw fuzzFailure('config loader messages', seed, i, text, err);
        }
        tally.refused++;
      }
    }
    expect(tally.refused).toBeGreaterThan(100);
    report('config loader, byte-mutated full TOML', seed, cases, Date.now() - started, `${tally.loaded} loaded, ${tally.refused} ConfigError naming the file, no secret echoed`);
  });
});
