import type { Reaped } from '../platform/native';

/** Exit code when --timeout stopped the command, as coreutils `timeout`. */
export const TIMEOUT_EXIT_CODE = 124;

/** Exit code when tsinit itself fails (an internal error, the command cannot be forked). */
export const INIT_FAILURE_EXIT_CODE = 1;

// Signal numbers run from 1 to 64: the addon's tables are indexed by signal (0 unused).
const SIGNAL_TABLE_SIZE = 65;

// The shell's code for a death by signal n: 128 + n.
const KILLED_BY_SIGNAL_BASE = 128;

/** The shell's convention (the command's own code, or 128+n when signal n killed it), then -e's codes as 0. */
export function exitCodeOf(status: Pick<Reaped, 'exitCode' | 'signal'>, remapToZero: ReadonlySet<number>): number {
  return remapped(status.signal !== null ? KILLED_BY_SIGNAL_BASE + status.signal : (status.exitCode ?? 0), remapToZero);
}

// -e: the codes it lists are 0.
function remapped(code: number, remapToZero: ReadonlySet<number>): number {
  return remapToZero.has(code) ? 0 : code;
}

/** 127 when the command does not exist, 126 when it exists but cannot be executed (as sh). */
export function execFailureCode(errno: string): number {
  return errno === 'ENOENT' || errno === 'ENOTDIR' ? 127 : 126;
}

/**
 * exitCodeOf as the addon's tables, for its exit with no JS: by exit status, and by killing
 * signal. Plain loops: they are made right after the spawn, where a short command's exit waits
 * for them (Array.from with a callback per entry, run cold, took a quarter of a millisecond).
 */
export function exitCodeTables(remapToZero: ReadonlySet<number>): { exitCodes: number[]; signalCodes: number[] } {
  const exitCodes: number[] = [];
  const signalCodes = [0];
  for (let code = 0; code < 256; code++) exitCodes.push(remapped(code, remapToZero));
  for (let signal = 1; signal < SIGNAL_TABLE_SIZE; signal++) signalCodes.push(remapped(KILLED_BY_SIGNAL_BASE + signal, remapToZero));
  return { exitCodes, signalCodes };
}
