import type { SpawnOptions } from '../platform/native';
import type { Listeners } from '../platform/listeners';

/**
 * What one run gets besides the command: in a pool its task id and the pool's size
 * (TSINIT_TASK_ID, TSINIT_WORKERS); with --listen the sockets as fd 3, 4, ... and systemd's
 * socket-activation variables (LISTEN_FDS, LISTEN_FDNAMES, and LISTEN_PID, which only the child
 * can know: set between fork and exec).
 */
export function runEnvironment(taskId: number, workers: number | undefined, listeners: Listeners): Pick<SpawnOptions, 'environment' | 'passFds' | 'pidVariable'> {
  const entries: string[] = [];
  if (workers !== undefined) entries.push(`TSINIT_TASK_ID=${taskId}`, `TSINIT_WORKERS=${workers}`);
  if (listeners.fds.length === 0) return entries.length === 0 ? {} : { environment: entries.map((entry) => Buffer.from(entry)) };
  entries.push(`LISTEN_FDS=${listeners.fds.length}`, `LISTEN_FDNAMES=${listeners.names.join(':')}`);
  return { environment: entries.map((entry) => Buffer.from(entry)), passFds: [...listeners.fds], pidVariable: 'LISTEN_PID' };
}
