/**
 * baresip as a headless home screen (LAB.md): an explicit config dir (an
 * empty one makes it write templates listening on 0.0.0.0:5060), the
 * `cons` UDP console for commands, aufile (8 kHz WAV) as microphone and
 * aubridge as speaker, `answermode=early` so it sends 183 with SDP before
 * anyone accepts. Bounded in time, killed by PID.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBounded, waitWhileRunning } from './bounded-process.js';
import { freePort } from './ports.js';

export const hasBaresip = spawnSync('sh', ['-c', 'command -v baresip']).status === 0;
const MODULES = '/usr/lib/baresip/modules';
/** H.264 in baresip comes from its avcodec module (Debian package baresip-ffmpeg). */
export const baresipDecodesH264 = existsSync(join(MODULES, 'avcodec.so'));
export const SPEECH_8K = '/usr/share/sounds/linphone/hello8000.wav';

export interface BaresipOptions {
  /** `early` (180 then 183 with SDP, accept later), `manual` (180 only) or `auto`. */
  answerMode?: 'early' | 'manual' | 'auto';
  user?: string;
  /** Register to this registrar (e.g. `sip:127.0.0.1:5060`), used as outbound proxy too; none by default. */
  registrar?: string;
  /** Domain of the address of record when registering (e.g. `myhouse`). */
  domain?: string;
  lifetimeMs?: number;
}

export interface RunningBaresip {
  sipPort: number;
  uri: string;
  dir: string;
  proc: ChildProcess;
  output(): string;
  /** Runs a console command (`/accept`, `/hangup`, `/snapshot_recv x.png`) and returns what the console answered. */
  command(cmd: string): Promise<string>;
  waitFor(re: RegExp, timeoutMs: number): Promise<boolean>;
  /** RTP packets of the last call, from the summary baresip prints when a call ends (`rtp_stats yes`). */
  audioPackets(): { sent: number; received: number } | undefined;
  kill(): Promise<void>;
}

export async function startBaresip(opts: BaresipOptions = {}): Promise<RunningBaresip> {
  const sipPort = await freePort();
  const consPort = await freePort();
  const rtpBase = await freePort({ pair: true });
  const user = opts.user ?? 'screen';
  const dir = mkdtempSync(join(tmpdir(), 'baresip-'));
  // Without a display module baresip answers m=video 0 even with a codec (LAB.md): fakevideo is one.
  const modules = ['cons', 'g711', 'aufile', 'aubridge', ...(baresipDecodesH264 ? ['avcodec', 'snapshot', 'fakevideo'] : [])];
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'sip_trans_def udp',
      'call_local_timeout 120',
      'call_max_calls 4',
      'audio_player aubridge,nil',
      `audio_source aufile,${SPEECH_8K}`,
      'audio_alert aubridge,nil',
      'audio_srate 8000',
      'audio_channels 1',
      `rtp_ports ${rtpBase}-${rtpBase + 9}`,
      'rtp_stats yes',
      'net_interface 127.0.0.1',
      baresipDecodesH264 ? 'video_display fakevideo,nil' : 'video_display nil',
      `module_path ${MODULES}`,
      ...modules.map((m) => `module ${m}.so`),
      'module_app account.so',
      'module_app menu.so',
      `cons_listen 127.0.0.1:${consPort}`,
      '',
    ].join('\n'),
  );
  const reg = opts.registrar ? `;outbound="${opts.registrar}";regint=60` : ';regint=0';
  const host = opts.registrar ? (opts.domain ?? new URL(opts.registrar.replace(/^sip:/, 'http://')).hostname) : `127.0.0.1:${sipPort}`;
  writeFileSync(join(dir, 'accounts'), `<sip:${user}@${host}>${reg};answermode=${opts.answerMode ?? 'early'};audio_codecs=PCMU,PCMA\n`);
  writeFileSync(join(dir, 'contacts'), '');

  const { proc, kill } = spawnBounded('baresip', ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] }, opts.lifetimeMs ?? 90_000);
  let out = '';
  const onData = (d: Buffer) => (out = (out + d.toString()).slice(-200_000));
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const waitFor = (re: RegExp, timeoutMs: number) => waitWhileRunning(proc, () => re.test(out), timeoutMs);
  if (!(await waitFor(/baresip is ready/, 10_000))) {
    await kill();
    throw new Error(`baresip did not start:\n${out}`);
  }
  return {
    sipPort,
    uri: `sip:${user}@127.0.0.1:${sipPort}`,
    dir,
    proc,
    output: () => out,
    command: (cmd) => consCommand(consPort, cmd),
    waitFor,
    audioPackets: () => {
      // "audio  Transmit: Receive:" then "packets:  N  M"
      const m = [...out.matchAll(/audio\s+Transmit:\s+Receive:\s*\n\s*packets:\s+(\d+)\s+(\d+)/g)].pop();
      return m ? { sent: Number(m[1]), received: Number(m[2]) } : undefined;
    },
    kill: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The cons module answers on the datagram's source address; collect until it goes quiet. */
function consCommand(port: number, cmd: string, quietMs = 300): Promise<string> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    let text = '';
    let timer = setTimeout(() => done(), 2000);
    const done = () => {
      clearTimeout(timer);
      s.close();
      resolve(text);
    };
    s.on('message', (m) => {
      text += m.toString();
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    s.on('error', () => done());
    s.bind(0, '127.0.0.1', () => s.send(`${cmd}\n`, port, '127.0.0.1'));
  });
}
