/**
 * Socket activation (sd_listen_fds(3)): systemd passes listening sockets
 * from fd 3 on and says so in LISTEN_PID/LISTEN_FDS. The variables are
 * cleared once read so child processes (GStreamer helpers, scripts) do not
 * take the sockets for theirs.
 */
export const SD_LISTEN_FDS_START = 3;

export function takeListenFds(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number[] {
  const count = Number(env.LISTEN_FDS ?? 0);
  const forUs = env.LISTEN_PID === undefined || Number(env.LISTEN_PID) === pid;
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (!forUs || !Number.isInteger(count) || count < 1) return [];
  return Array.from({ length: count }, (_, i) => SD_LISTEN_FDS_START + i);
}
