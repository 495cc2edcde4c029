import type { Reaped } from '../platform/native';

/** Exit code when --timeout stopped the command, as coreutils `timeout`. */
export const TIMEOUT_EXIT_CODE = 124;

/** Exit code when tsinit itself fails (an internal error, the command cannot be forked). */
export const INIT_FAILURE_EXIT_CODE = 1;

// Signal numbers run from 1 to 64: the addon's tables are indexed by signal (0 unused).
const SIGNAL_TABLE_SIZE = 65;

/** The shell's convention (the command's own code, or 128+n when signal n killed it), then -e's codes as 0. */
export function exitCodeOf(status: Pick<Reaped, 'exitCode' | 'signal'>, remapToZero: ReadonlySet<number>): number {
  const code = status.signal !== null ? 128 + status.signal : (status.exitCode ?? 0);
  return remapToZero.has(code) ? 0 : code;
}

/** 127 when the command does not exist, 126 when it exists but cannot be executed (as sh). */
export function execFailureCode(errno: string): number {
  return errno === 'ENOENT' || errno === 'ENOTDIR' ? 127 : 126;
}

/** exitCodeOf as the addon's tables, for its exit with no JS: by exit status, and by killing signal. */
export function exitCodeTables(remapToZero: ReadonlySet<number>): { exitCodes: number[]; signalCodes: number[] } {
  return {
    exitCodes: Array.from({ length: 256 }, (_, code) => exitCodeOf({ exitCode: code, signal: null }, remapToZero)),
    signalCodes: Array.from({ length: SIGNAL_TABLE_SIZE }, (_, signal) => (signal === 0 ? 0 : exitCodeOf({ exitCode: null, signal }, remapToZero))),
  };
}
