import { MAX_TIMER_MS, parseDuration } from './durations';
import { containerCpus, type CpuCount } from '../platform/cpu-count';
import { forwardableSignals, parseSignal, signalName, type RealtimeRange } from '../platform/signals';
import type { RestartPolicy, Settings } from '../supervisor/settings';
import { listenAddresses } from './listen';
import { SettingError } from './setting-error';
import { POOL_RESTART, workerCount } from './workers';

export type { Settings } from '../supervisor/settings';
export { SettingError } from './setting-error';

/** How long leftovers get between SIGTERM and SIGKILL once CMD is gone, unless --grace says. */
export const DEFAULT_GRACE = '5s';

/** DEFAULT_GRACE in milliseconds, for the programmatic API. */
export const DEFAULT_GRACE_MS = parseDuration(DEFAULT_GRACE)!;

/** The same as given, unchecked: exit codes, signals by name or number, durations in ms. */
export interface GivenSettings {
  singleChild?: unknown;
  newSession?: unknown;
  subreaper?: unknown;
  warnOnReap?: unknown;
  successCodes?: unknown[];
  parentDeathSignal?: unknown;
  rewrites?: [unknown, unknown][];
  graceMs?: unknown;
  killAfterMs?: unknown;
  timeoutMs?: unknown;
  delays?: [unknown, unknown][];
  restart?: unknown;
  /** A number of workers, or `auto`. */
  workers?: unknown;
  /** `[NAME=]ADDR` words. */
  listen?: unknown[];
}

/** What the check reads besides the values: who gave a worker count (said at -v), the directory unix paths are relative to, the CPU count for `auto`. */
export interface SettingSources {
  workersFrom: string;
  cwd: () => string;
  cpus: () => CpuCount;
}

const SOURCES: SettingSources = { workersFrom: 'workers', cwd: () => process.cwd(), cpus: () => containerCpus() };

/** The one check of settings, for the command line and `run` alike; throws a SettingError. */
export function normaliseSettings(given: GivenSettings, defaultGraceMs: number, realtime: RealtimeRange, sources: Partial<SettingSources> = {}): Settings {
  const { workersFrom, cwd, cpus } = { ...SOURCES, ...sources };
  const signal = (setting: keyof GivenSettings, value: unknown) => {
    const number = typeof value === 'string' || typeof value === 'number' ? parseSignal(String(value), realtime) : undefined;
    if (number === undefined) throw new SettingError(setting, value, 'a signal name or number');
    return number;
  };
  // A rule (`-r`, `--delay`) on a signal tsinit never forwards could never act: KILL and STOP
  // cannot be caught, CHLD is the reaper's, TTIN and TTOU are ignored.
  const ruled = (setting: 'rewrites' | 'delays', value: unknown) => {
    const number = signal(setting, value);
    if (!forwardableSignals(realtime).includes(number)) throw new SettingError(setting, value, 'a signal tsinit forwards', `tsinit never forwards ${signalName(number, realtime)}`);
    return number;
  };
  const workers = workerCount(given.workers, workersFrom, cpus);
  return {
    singleChild: flag(given, 'singleChild'),
    newSession: flag(given, 'newSession'),
    subreaper: flag(given, 'subreaper'),
    warnOnReap: flag(given, 'warnOnReap'),
    remapToZero: new Set(
      (given.successCodes ?? []).map((code) => {
        if (!Number.isInteger(code) || (code as number) < 0 || (code as number) > 255) throw new SettingError('successCodes', code, 'exit codes from 0 to 255');
        return code as number;
      }),
    ),
    parentDeathSignal: given.parentDeathSignal === undefined ? undefined : signal('parentDeathSignal', given.parentDeathSignal),
    rewrites: new Map((given.rewrites ?? []).map(([from, to]) => [ruled('rewrites', from), to === 0 || to === '0' ? 0 : signal('rewrites', to)])),
    graceMs: milliseconds('graceMs', given.graceMs) ?? defaultGraceMs,
    killAfterMs: milliseconds('killAfterMs', given.killAfterMs),
    timeoutMs: noneIfZero(milliseconds('timeoutMs', given.timeoutMs)),
    delays: new Map((given.delays ?? []).map(([held, ms]) => [ruled('delays', held), milliseconds('delays', ms)!])),
    // A pool restarts a failed worker unless told otherwise, as tornado's.
    restart: restartPolicy(given.restart ?? (workers === undefined ? undefined : POOL_RESTART)),
    workers,
    listen: given.listen === undefined ? [] : listenAddresses(given.listen, cwd()),
  };
}

// The most restarts a budget may name: as many as a count of them can hold exactly, and more
// than any container will see.
const MAX_RESTARTS = 2 ** 31 - 1;

// `no`, `on-failure[:N]` or `always[:N]`; without N, no limit.
function restartPolicy(value: unknown): RestartPolicy {
  if (value === undefined) return { when: 'no', max: 0 };
  const match = typeof value === 'string' ? /^(no|on-failure|always)(?::(\d+))?$/.exec(value) : null;
  if (!match || (match[1] === 'no' && match[2] !== undefined) || Number(match[2] ?? 0) > MAX_RESTARTS) {
    throw new SettingError('restart', value, 'no, on-failure[:N] or always[:N]');
  }
  const when = match[1] as RestartPolicy['when'];
  return { when, max: when === 'no' ? 0 : match[2] === undefined ? Infinity : Number(match[2]) };
}

function flag(given: GivenSettings, setting: 'singleChild' | 'newSession' | 'subreaper' | 'warnOnReap'): boolean {
  const value = given[setting] ?? false;
  if (typeof value !== 'boolean') throw new SettingError(setting, value, 'a boolean');
  return value;
}

function milliseconds(setting: 'graceMs' | 'killAfterMs' | 'timeoutMs' | 'delays', value: unknown): number | undefined {
  if (value === undefined && setting !== 'delays') return undefined;
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_TIMER_MS)) {
    throw new SettingError(setting, value, `a number of milliseconds from 0 to ${MAX_TIMER_MS} (about 24 days, what a timer holds)`);
  }
  return value;
}

// A timeout of 0 is none, as coreutils' `timeout 0`: so is one a timer would round to 0 ms.
function noneIfZero(ms: number | undefined): number | undefined {
  return ms === undefined || Math.round(ms) === 0 ? undefined : ms;
}
