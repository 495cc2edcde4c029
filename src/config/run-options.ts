import { DEFAULT_VERBOSITY, MAX_VERBOSITY, type LogFormat } from '../platform/log';
import { DEFAULT_GRACE_MS, normaliseSettings, SettingError, type SettingSources, type Settings } from './settings';
import type { RealtimeRange } from '../platform/signals';

/** How `run` supervises the command; every field but `command` is optional, as CLI flags are. */
export interface RunOptions {
  /** The command and its arguments, as after `tsinit --`. */
  command: string[];
  /** Signals go to the command alone, not its process group (`-c`). */
  singleChild?: boolean;
  /** The command runs in a session of its own (`--setsid`). */
  newSession?: boolean;
  /** Forward signal S as R, names or numbers; R = 0 drops S (`-r S:R`); S one that tsinit forwards, as for `delays`. */
  rewrite?: Record<string, string | number>;
  /** Exit codes of the command reported as 0 (`-e`). */
  successCodes?: number[];
  /** Milliseconds leftovers get between SIGTERM and SIGKILL once the command is gone; 0: none. Default 5000. */
  graceMs?: number;
  /** SIGKILL the command's group this many milliseconds after a forwarded SIGTERM/SIGINT (`--kill-after`). */
  killAfterMs?: number;
  /** Stop the whole tree and end with 124 once the command has run this many milliseconds (`--timeout`); 0: none. */
  timeoutMs?: number;
  /** Hold each named signal this many milliseconds before forwarding it (`--delay TERM:5s` is `{ SIGTERM: 5000 }`); not KILL, STOP, CHLD, TTIN, TTOU, which tsinit never forwards. */
  delays?: Record<string, number>;
  /** Start the command again after it ends: `no` (default; with `workers`, `on-failure:100`), `on-failure[:N]` or `always[:N]` (`--restart`). */
  restart?: string;
  /** Run this many copies of the command (1..1024), each with TSINIT_TASK_ID 0..N-1 and TSINIT_WORKERS N; `auto`: the CPUs the container's cgroup grants, counted now (`--workers`). */
  workers?: number | 'auto';
  /** Listening sockets opened before the first start and handed to every run as fd 3, 4, ...: `[NAME=]ADDR`, ADDR `tcp:IP:PORT`, `tcp:[IPv6]:PORT` or `unix:PATH` (relative to the current directory now) (`--listen`). */
  listen?: string[];
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
export function normaliseRunOptions(options: RunOptions, realtime: RealtimeRange, sources: Partial<Pick<SettingSources, 'cwd' | 'cpus'>> = {}) {
  if (typeof options !== 'object' || options === null) throw new TypeError('run: options must be an object');
  const { command, successCodes, rewrite, delays, listen } = options;
  if (!Array.isArray(command) || command.length === 0 || !command.every((arg) => typeof arg === 'string')) {
    throw new TypeError('run: command must be a non-empty array of strings');
  }
  if (command.some((arg) => arg.includes('\0'))) throw new TypeError('run: command must not contain NUL bytes');
  if (successCodes !== undefined && !Array.isArray(successCodes)) throw new TypeError('run: successCodes must be an array of exit codes');
  if (rewrite !== undefined && (typeof rewrite !== 'object' || rewrite === null)) throw new TypeError('run: rewrite must be an object of signal: signal');
  if (delays !== undefined && (typeof delays !== 'object' || delays === null)) throw new TypeError('run: delays must be an object of signal: milliseconds');
  if (listen !== undefined && !Array.isArray(listen)) throw new TypeError('run: listen must be an array of addresses');
  const given = { ...options, rewrites: rewrite && Object.entries(rewrite), delays: delays && Object.entries(delays) };
  const settings = settingsOrTypeError('run', () => normaliseSettings(given, DEFAULT_GRACE_MS, realtime, { ...sources, workersFrom: 'run() workers' }));
  return { lifecycle: { ...settings, command: [...command] }, ...logOptions('run', options) };
}

/** The settings `check` returns, or the TypeError naming the field that `caller` (run, register) was given wrong. */
export function settingsOrTypeError(caller: string, check: () => Settings): Settings {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    const field = error.setting === 'rewrites' ? 'rewrite' : error.setting;
    const why = error.why === undefined ? '' : ` (${error.why})`;
    throw new TypeError(`${caller}: ${field} must be ${error.want}, not ${typeof error.value === 'string' ? error.value : String(error.value)}${why}`);
  }
}

/** The log's verbosity and format as an API caller gave them, checked (a TypeError naming the field). */
export function logOptions(caller: string, options: { verbosity?: number; logFormat?: LogFormat }): { verbosity: number; logFormat: LogFormat } {
  const verbosity = options.verbosity ?? DEFAULT_VERBOSITY;
  if (!Number.isInteger(verbosity) || verbosity < 0 || verbosity > MAX_VERBOSITY) {
    throw new TypeError(`${caller}: verbosity must be an integer from 0 to ${MAX_VERBOSITY}`);
  }
  const logFormat = options.logFormat ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new TypeError(`${caller}: logFormat must be 'text' or 'json'`);
  return { verbosity, logFormat };
}
