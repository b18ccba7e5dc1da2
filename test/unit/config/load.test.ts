import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, maskSecrets, parseConfigText } from '../../../src/config/load.js';

function problems(toml: string): string[] {
  try {
    parseConfigText(toml, 'door.toml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a config error');
}

describe('config', () => {
  it('accepts an empty file and fills in every default of SPEC section 2', () => {
    const c = parseConfigText('');
    expect(c.sip.listen).toEqual(['udp:0.0.0.0:5060', 'tcp:0.0.0.0:5060']);
    expect(c.sip.identity).toBe('sip:door@doorstation.local');
    expect(c.sip.user_agent).toMatch(/^doorstation\/\d+\.\d+\.\d+/);
    expect(c.account).toMatchObject({ registrar: '', expires: 600, password: '', ha1: '' });
    expect(c.call).toEqual({ targets: ['sip:homescreen@doorstation.local'], mode: 'parallel', ring_timeout: 30, early_media: 'video', max_duration: 300, direct_ip: 'direct', timezone: '' });
    expect(c.media).toMatchObject({ video_source: 'test', audio_codecs: ['opus', 'PCMU', 'PCMA'], rtp_ports: '16384-16483', preroll: true, srtp: 'off' });
    expect(c.gpio).toMatchObject({ backend: 'sim', button: 17, relay: 27, led: -1, relay_pulse_ms: 3000 });
    expect(c.door).toMatchObject({ open_code: '', allowed: [], auto_answer: true, max_attempts: 5, lockout_s: 60 });
    expect(c.control).toEqual({ socket: '/tmp/doorbell', mode: '0660' });
    expect(c.log.level).toBe('info');
  });

  it('keeps given values and defaults the rest of the section', () => {
    const c = parseConfigText('[call]\ntargets = ["sip:a@h", "sip:b@h:5070;transport=tcp"]\nmode = "sequential"\n');
    expect(c.call.targets).toEqual(['sip:a@h', 'sip:b@h:5070;transport=tcp']);
    expect(c.call.mode).toBe('sequential');
    expect(c.call.ring_timeout).toBe(30);
  });

  it('names an unknown key and suggests the right one', () => {
    expect(problems('[sip]\nlistn = ["udp:0.0.0.0:5060"]\n')).toEqual(['door.toml: [sip] listn: unknown key (did you mean "listen"?)']);
  });

  it('names an unknown section', () => {
    expect(problems('[sipp]\n')).toEqual(['door.toml: [sipp]: unknown section (did you mean "sip"?)']);
  });

  it('names a wrong type with what was given', () => {
    expect(problems('[call]\nring_timeout = "30"\n')).toEqual(['door.toml: [call] ring_timeout: must be a number (got "30")']);
    expect(problems('[sip]\nlisten = "udp:0.0.0.0:5060"\n')).toEqual(['door.toml: [sip] listen: must be a list (got "udp:0.0.0.0:5060")']);
    expect(problems('call = 3\n')).toEqual(['door.toml: [call]: must be a table (got 3)']);
    expect(problems('[media]\nwidth = 1.5\n')).toEqual(['door.toml: [media] width: must be a whole number (got 1.5)']);
  });

  it('names an out-of-range value', () => {
    expect(problems('[call]\nring_timeout = 0\n')).toEqual(['door.toml: [call] ring_timeout: must be at least 1 (seconds) (got 0)']);
    expect(problems('[gpio]\nrelay_pulse_ms = 600000\n')[0]).toMatch(/\[gpio\] relay_pulse_ms: must be at most 60000/);
    expect(problems('[media]\nrtp_ports = "100-20"\n')[0]).toMatch(/\[media\] rtp_ports: must lie within 1024-65535/);
  });

  it('names a value outside its choices', () => {
    expect(problems('[call]\nearly_media = "yes"\n')).toEqual(['door.toml: [call] early_media: must be one of "none", "video", "audio+video" (got "yes")']);
  });

  it('checks URIs, listen addresses and DTMF codes', () => {
    expect(problems('[call]\ntargets = ["homescreen"]\n')[0]).toMatch(/\[call\] targets\[0\]: must be a SIP URI/);
    expect(problems('[sip]\nlisten = ["udp:0.0.0.0"]\n')[0]).toMatch(/\[sip\] listen\[0\]: must look like/);
    expect(problems('[sip]\nlisten = ["udp:[::]:99999"]\n')[0]).toMatch(/port must be at most 65535/);
    expect(problems('[door]\nopen_code = "12x4"\n')[0]).toMatch(/\[door\] open_code: may hold only DTMF digits/);
    expect(problems('[door]\nopen_code = "12#"\n')[0]).toMatch(/at least 4 digits/);
    expect(parseConfigText('[sip]\nlisten = ["udp:[::]:5060", "tls:door.example:5061"]\n').sip.listen).toHaveLength(2);
  });

  it('takes the three SRTP settings and refuses any other', () => {
    for (const v of ['off', 'optional', 'mandatory']) expect(parseConfigText(`[media]\nsrtp = "${v}"\n`).media.srtp).toBe(v);
    expect(problems('[media]\nsrtp = "on"\n')[0]).toMatch(/^door.toml: \[media\] srtp: /);
  });

  it('reports every problem at once, not the first only', () => {
    const p = problems('[sip]\nlistn = 1\n[call]\nmode = "x"\nring_timeout = -1\n[log]\nlevel = "loud"\n');
    expect(p).toHaveLength(4);
  });

  it('reports TOML syntax errors with line and column', () => {
    expect(problems('[call]\nring_timeout = = 3\n')[0]).toMatch(/^door\.toml:2:\d+: TOML syntax error/);
  });

  it('never echoes a secret in an error', () => {
    const p = problems('[account]\nha1 = "my-secret-password"\n');
    expect(p[0]).toMatch(/\[account\] ha1: must be MD5/);
    expect(p.join('\n')).not.toContain('my-secret-password');
  });

  it('refuses both password and ha1', () => {
    expect(problems('[account]\npassword = "pw"\nha1 = "0123456789abcdef0123456789abcdef"\n')[0]).toMatch(/set password or ha1, not both/);
  });

  it('refuses the same GPIO line for two uses', () => {
    expect(problems('[gpio]\nbutton = 5\nrelay = 5\n')[0]).toMatch(/\[gpio\] relay: GPIO 5 is already gpio.button: every input and output needs its own line/);
  });

  it('masks secrets for check-config', () => {
    const c = maskSecrets(parseConfigText('[account]\npassword = "hunter22"\n[door]\nopen_code = "2580#"\n'));
    expect(c.account.password).toBe('********');
    expect(c.door.open_code).toBe('********');
    expect(c.account.ha1).toBe('');
  });

  it('says when the file cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(() => loadConfig(join(dir, 'missing.toml'))).toThrow(/missing\.toml: cannot read: no such file/);
    writeFileSync(join(dir, 'ok.toml'), '[log]\nlevel = "debug"\n');
    expect(loadConfig(join(dir, 'ok.toml')).config.log.level).toBe('debug');
  });
});
