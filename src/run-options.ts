import { MAX_TIMER_MS } from './durations';
import type { LifecycleOptions } from './lifecycle';
import { DEFAULT_VERBOSITY, MAX_VERBOSITY, type LogFormat } from './log';
import { DEFAULT_GRACE_MS } from './options';
import { parseSignal, type RealtimeRange } from './signals';

/** How `run` supervises the command; every field but `command` is optional, as CLI flags are. */
export interface RunOptions {
  /** The command and its arguments, as after `tsinit --`. */
  command: string[];
  /** Signals go to the command alone, not its process group (`-c`). */
  singleChild?: boolean;
  /** The command runs in a session of its own (`--setsid`). */
  newSession?: boolean;
  /** Forward signal S as R, names or numbers; R = 0 drops S (`-r S:R`). */
  rewrite?: Record<string, string | number>;
  /** Exit codes of the command reported as 0 (`-e`). */
  successCodes?: number[];
  /** Milliseconds leftovers get between SIGTERM and SIGKILL once the command is gone; 0: none. Default 5000. */
  graceMs?: number;
  /** SIGKILL the command's group this many milliseconds after a forwarded SIGTERM/SIGINT (`--kill-after`). */
  killAfterMs?: number;
  /** The signal this process gets when its parent dies (`-p`). */
  parentDeathSignal?: string | number;
  /** Register as child subreaper even as PID 1 (always done when not PID 1) (`-s`). */
  subreaper?: boolean;
  /** Also warn on stderr about every orphan reaped (`-w`). */
  warnOnReap?: boolean;
  /** stderr log: 0 errors, 1 warnings (default), 2 lifecycle, 3 every signal and reap. */
  verbosity?: number;
  /** `text` (default) or `json` lines on stderr. */
  logFormat?: LogFormat;
}

/** RunOptions checked field by field: a bad one is a TypeError naming it, never a half-started init. */
export function normaliseRunOptions(options: RunOptions, realtime: RealtimeRange) {
  if (typeof options !== 'object' || options === null) throw new TypeError('run: options must be an object');
  const { command } = options;
  if (!Array.isArray(command) || command.length === 0 || !command.every((arg) => typeof arg === 'string')) {
    throw new TypeError('run: command must be a non-empty array of strings');
  }
  if (command.some((arg) => arg.includes('\0'))) throw new TypeError('run: command must not contain NUL bytes');
  const lifecycle: Omit<LifecycleOptions, 'realtime' | 'commandBytes' | 'searchPath'> = {
    command: [...command],
    singleChild: flag(options, 'singleChild'),
    newSession: flag(options, 'newSession'),
    subreaper: flag(options, 'subreaper'),
    warnOnReap: flag(options, 'warnOnReap'),
    remapToZero: new Set(exitCodes(options.successCodes)),
    parentDeathSignal: options.parentDeathSignal === undefined ? undefined : signal('parentDeathSignal', options.parentDeathSignal, realtime),
    rewrites: rewrites(options.rewrite, realtime),
    graceMs: milliseconds('graceMs', options.graceMs) ?? DEFAULT_GRACE_MS,
    killAfterMs: milliseconds('killAfterMs', options.killAfterMs),
  };
  const verbosity = options.verbosity ?? DEFAULT_VERBOSITY;
  if (!Number.isInteger(verbosity) || verbosity < 0 || verbosity > MAX_VERBOSITY) {
    throw new TypeError(`run: verbosity must be an integer from 0 to ${MAX_VERBOSITY}`);
  }
  const logFormat = options.logFormat ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new TypeError("run: logFormat must be 'text' or 'json'");
  return { lifecycle, verbosity, logFormat };
}

type FlagName = 'singleChild' | 'newSession' | 'subreaper' | 'warnOnReap';

function flag(options: RunOptions, field: FlagName): boolean {
  const value = options[field] ?? false;
  if (typeof value !== 'boolean') throw new TypeError(`run: ${field} must be a boolean`);
  return value;
}

function milliseconds(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new TypeError(`run: ${field} must be a number of milliseconds from 0 to ${MAX_TIMER_MS}`);
  }
  return value;
}

function exitCodes(codes: number[] | undefined): number[] {
  if (codes === undefined) return [];
  if (!Array.isArray(codes) || !codes.every((code) => Number.isInteger(code) && code >= 0 && code <= 255)) {
    throw new TypeError('run: successCodes must be an array of integers from 0 to 255');
  }
  return codes;
}

function signal(field: string, value: string | number, realtime: RealtimeRange): number {
  const number = typeof value === 'string' || typeof value === 'number' ? parseSignal(String(value), realtime) : undefined;
  if (number === undefined) throw new TypeError(`run: ${field} has an unknown signal: ${String(value)}`);
  return number;
}

function rewrites(rewrite: Record<string, string | number> | undefined, realtime: RealtimeRange): Map<number, number> {
  if (rewrite === undefined) return new Map();
  if (typeof rewrite !== 'object' || rewrite === null) throw new TypeError('run: rewrite must be an object of signal: signal');
  return new Map(
    Object.entries(rewrite).map(([from, to]) => [signal('rewrite', from, realtime), to === 0 || to === '0' ? 0 : signal('rewrite', to, realtime)]),
  );
}
