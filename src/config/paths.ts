/**
 * Where the door keeps what it writes: the state directory and, in it, the
 * picture directory. Both follow systemd's StateDirectory= when the unit
 * sets it, else the XDG base directory spec, so a demo run as yourself
 * writes under your home and never needs root.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * `$STATE_DIRECTORY` (systemd's StateDirectory=, /var/lib/doorstation under
 * the installed unit; its first entry when it lists several), else
 * `${XDG_STATE_HOME:-~/.local/state}/doorstation`.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env['STATE_DIRECTORY']?.split(':')[0];
  if (state) return state;
  return join(env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state'), 'doorstation');
}

/** `media.picture_dir`, or when empty: `pictures` in the state directory. */
export function pictureDir(configured: string, env: NodeJS.ProcessEnv = process.env): string {
  return configured || join(stateDir(env), 'pictures');
}

/** `20261203-132501-123` (UTC) for file names: sorts by time, and has no `:` that some file systems and tools dislike. */
export function fileTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '-')
    .replace(/\.(\d+)Z$/, '-$1');
}
