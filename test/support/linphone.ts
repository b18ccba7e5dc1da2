/**
 * linphone-daemon as a headless home screen (LAB.md): a private HOME with
 * an .asoundrc whose capture card does not exist (a void source; without
 * a sound card it crashes when a call starts), the data folder it needs to
 * open its SIP port, `-D` so it takes video, `--pipe` for commands, early
 * media switched on at run time. Bounded in time, killed by PID.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBounded, waitWhileRunning } from './bounded-process.js';
import { converse } from './daemon.js';
import { freePort } from './ports.js';

export const hasLinphone = spawnSync('sh', ['-c', 'command -v linphone-daemon']).status === 0;
export const LINPHONE_SPEECH = '/usr/share/sounds/linphone/hello8000.wav';
/** H.264 in linphone comes from mediastreamer2's openh264 plugin (Debian package mediastreamer2-plugin-openh264). */
export const linphoneDecodesH264 = spawnSync('sh', ['-c', 'ls /usr/lib/*/mediastreamer/plugins/libmsopenh264.so']).status === 0;

export interface RunningLinphone {
  sipPort: number;
  uri: string;
  home: string;
  proc: ChildProcess;
  /** One command on its own connection (the daemon runs only the first line of a read). */
  command(cmd: string): Promise<string>;
  log(): string;
  waitLog(re: RegExp, timeoutMs: number): Promise<boolean>;
  /** Audio RTP packets of the last call, from oRTP's summary in the log when the call ends. */
  audioPackets(): { sent: number; received: number } | undefined;
  kill(): Promise<void>;
}

export async function startLinphone(opts: { lifetimeMs?: number } = {}): Promise<RunningLinphone> {
  const sipPort = await freePort();
  const audioPort = await freePort({ pair: true });
  const videoPort = await freePort({ pair: true });
  const home = mkdtempSync(join(tmpdir(), 'linphone-'));
  mkdirSync(join(home, '.local/share/linphone'), { recursive: true });
  writeFileSync(join(home, '.asoundrc'), 'pcm.!default {\n  type asym\n  playback.pcm "null"\n  capture.pcm "hw:99,0"\n}\n');
  const rc = join(home, 'linphonerc');
  writeFileSync(
    rc,
    [
      '[sip]',
      `sip_port=${sipPort}`,
      'sip_tcp_port=-1',
      'bind_address=127.0.0.1',
      '[rtp]',
      `audio_rtp_port=${audioPort}`,
      `video_rtp_port=${videoPort}`,
      '[video]',
      'display=1',
      'capture=0',
      'show_local=0',
      '[net]',
      'ipv6=0',
      '',
    ].join('\n'),
  );
  const logFile = join(home, 'linphone.log');
  // 5.1 puts the socket at /tmp/NAME (LINPHONE-DAEMON.md §1).
  const pipeName = `doorstation-test-linphone-${process.pid}-${sipPort}`;
  const pipe = join('/tmp', pipeName);
  const { proc, kill } = spawnBounded(
    'linphone-daemon',
    ['--pipe', pipeName, '-D', '--config', rc, '--log', logFile],
    { env: { ...process.env, HOME: home, DISPLAY: '' }, stdio: ['ignore', 'ignore', 'ignore'] },
    opts.lifetimeMs ?? 90_000,
  );
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const waitLog = (re: RegExp, timeoutMs: number) => waitWhileRunning(proc, () => re.test(log()), timeoutMs, 100);
  const command = async (cmd: string): Promise<string> => {
    // A connection right after the previous one closed may be reset unanswered: retry a few times.
    for (let i = 0; i < 5; i++) {
      const reply = await pipeCommand(pipe, cmd).catch(() => '');
      if (reply) return reply;
      await new Promise((r) => setTimeout(r, 100));
    }
    return '';
  };
  const ready = async () => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && proc.exitCode === null) {
      if ((await pipeCommand(pipe, 'version').catch(() => '')).includes('Status: Ok') && log().includes(`listening point`) && log().includes(`on [sip:127.0.0.1:${sipPort};transport=UDP]`)) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  };
  if (!(await ready())) {
    await kill();
    throw new Error(`linphone-daemon did not start:\n${log().slice(-3000)}`);
  }
  if (!(await command('config-set sip incoming_calls_early_media 1')).includes('Status: Ok')) throw new Error('linphone-daemon refused config-set');
  return {
    sipPort,
    uri: `sip:screen@127.0.0.1:${sipPort}`,
    home,
    proc,
    command,
    log,
    waitLog,
    audioPackets: () => {
      const m = [...log().matchAll(/AUDIO SESSION'S RTP STATISTICS[\s\S]*?sent\s+(\d+) packets[\s\S]*?received\s+(\d+) packets/g)].pop();
      return m ? { sent: Number(m[1]), received: Number(m[2]) } : undefined;
    },
    kill: async () => {
      await kill();
      rmSync(pipe, { force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** One command on linphone-daemon's pipe: its answer, which may take a while to start (up to 2 s). */
const pipeCommand = (path: string, cmd: string): Promise<string> => converse(path, `${cmd}\n`, { halfClose: false, quietMs: 300, firstMs: 2000 });
