import { closeSync } from 'node:fs';
import type { Native } from './native';
import { readProcess, type ProcessInfo } from './process-tree';

// Why pidfd_open may fail while the process is there: an old kernel (before 5.3), or no fd to
// spare (RLIMIT_NOFILE, the system's file table). Then kill() with the same check must do.
const NO_PIDFD = new Set(['ENOSYS', 'EMFILE', 'ENFILE', 'ENOMEM']);

/**
 * Sends `signal` to the very process `info` was read from, not one that took its pid since it
 * ended (a pid is free again once its zombie is reaped, by anyone): a pidfd is opened first, and
 * the pid's start time then read again must match, so the pidfd is that process's. false when it
 * is gone; throws (EPERM) when the kernel refuses. Without a pidfd the same check comes before a
 * kill(), which leaves a window of a few microseconds.
 */
export function signalProcess(native: Native, info: ProcessInfo, signal: number): boolean {
  let fd: number;
  try {
    fd = native.pidfdOpen(info.pid);
  } catch (error) {
    if (!NO_PIDFD.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return isStill(info) && native.kill(info.pid, signal);
  }
  if (fd === -1) return false;
  try {
    return isStill(info) && native.pidfdSendSignal(fd, signal);
  } finally {
    closeSync(fd);
  }
}

function isStill(info: ProcessInfo): boolean {
  return readProcess(info.pid)?.startTime === info.startTime;
}
