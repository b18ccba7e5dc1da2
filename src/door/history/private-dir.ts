/**
 * The state and picture directories hold who rang and when: readable by
 * the service's group only (0750), whatever the umask, when the door
 * creates them. A directory that exists is left as its owner set it (the
 * installed unit's StateDirectoryMode=0750 makes the state directory so).
 */
import { chmod, mkdir } from 'node:fs/promises';

export const PRIVATE_DIR_MODE = 0o750;

export async function ensurePrivateDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created !== undefined) await chmod(dir, PRIVATE_DIR_MODE);
}
