/**
 * Who owns the control socket (issue 12 row 16). `/tmp/doorbell` lives in
 * world-writable /tmp, so any local user can bind it first: the daemon
 * must not share or replace a path another user holds, and `doorstation
 * ctl` must not send `open-door` (or a code) to a socket a stranger owns.
 * Names come from /etc/passwd (system users, which is what the service
 * user is); an unknown uid is shown as a number.
 */
import { readFileSync } from 'node:fs';

/** The user the installed unit runs as (systemd/doorstation.service User=). */
export const SERVICE_USER = 'doorstation';

function passwd(): string[][] {
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** `nobody (uid 65534)`, or `uid 1234` when /etc/passwd does not know it. */
export function describeUser(uid: number): string {
  const name = passwd().find((f) => f[2] === String(uid))?.[0];
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

export function uidOf(name: string): number | undefined {
  const f = passwd().find((p) => p[0] === name);
  return f && /^\d+$/.test(f[2] ?? '') ? Number(f[2]) : undefined;
}

/** Owners `ctl` talks to: root (the systemd socket unit), the service user, and whoever runs ctl (a daemon of one's own). */
export function trustedSocketOwners(): Set<number> {
  const uids = new Set<number>([0]);
  const service = uidOf(SERVICE_USER);
  if (service !== undefined) uids.add(service);
  if (process.getuid) uids.add(process.getuid());
  return uids;
}
