import type { Reaped } from '../platform/native';

/** The shell's convention: the command's own code, or 128+n when signal n killed it. */
export function exitCodeOf(status: Reaped): number {
  return status.signal !== null ? 128 + status.signal : (status.exitCode ?? 0);
}

/** 127 when the command does not exist, 126 when it exists but cannot be executed (as sh). */
export function execFailureCode(errno: string): number {
  return errno === 'ENOENT' || errno === 'ENOTDIR' ? 127 : 126;
}
