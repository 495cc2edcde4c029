import { MAX_TIMER_MS } from './durations';
import { parseSignal, type RealtimeRange } from './signals';

/** What the lifecycle acts on, whichever front end (command line, `run`) gave it. */
export interface Settings {
  singleChild: boolean;
  newSession: boolean;
  subreaper: boolean;
  warnOnReap: boolean;
  remapToZero: Set<number>;
  parentDeathSignal: number | undefined;
  rewrites: Map<number, number>;
  graceMs: number;
  killAfterMs: number | undefined;
}

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
}

/** A setting refused: which, its value, what it wants. Each front end words it its own way. */
export class SettingError extends Error {
  constructor(
    readonly setting: keyof GivenSettings,
    readonly value: unknown,
    readonly want: string,
  ) {
    super(`${setting} must be ${want}, not ${String(value)}`);
  }
}

/** The one check of settings, for the command line and `run` alike; throws a SettingError. */
export function normaliseSettings(given: GivenSettings, defaultGraceMs: number, realtime: RealtimeRange): Settings {
  const signal = (setting: keyof GivenSettings, value: unknown) => {
    const number = typeof value === 'string' || typeof value === 'number' ? parseSignal(String(value), realtime) : undefined;
    if (number === undefined) throw new SettingError(setting, value, 'a signal name or number');
    return number;
  };
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
    rewrites: new Map((given.rewrites ?? []).map(([from, to]) => [signal('rewrites', from), to === 0 || to === '0' ? 0 : signal('rewrites', to)])),
    graceMs: milliseconds('graceMs', given.graceMs) ?? defaultGraceMs,
    killAfterMs: milliseconds('killAfterMs', given.killAfterMs),
  };
}

function flag(given: GivenSettings, setting: 'singleChild' | 'newSession' | 'subreaper' | 'warnOnReap'): boolean {
  const value = given[setting] ?? false;
  if (typeof value !== 'boolean') throw new SettingError(setting, value, 'a boolean');
  return value;
}

function milliseconds(setting: 'graceMs' | 'killAfterMs', value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_TIMER_MS)) {
    throw new SettingError(setting, value, `a number of milliseconds from 0 to ${MAX_TIMER_MS} (about 24 days, what a timer holds)`);
  }
  return value;
}
