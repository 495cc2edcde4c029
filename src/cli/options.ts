import { MAX_TIMER_MS, parseDuration } from '../config/durations';
import { DEFAULT_VERBOSITY, MAX_VERBOSITY, type LogFormat } from '../platform/log';
import { DEFAULT_GRACE, DEFAULT_GRACE_MS, normaliseSettings, SettingError, type GivenSettings, type Settings } from '../config/settings';
import type { RealtimeRange } from '../platform/signals';
import { getopt, type Found } from './getopt';
import { OPTION_TABLE } from './option-table';
import { UsageError } from './usage-error';

export { HELP } from './help';
export { USAGE_EXIT_CODE, UsageError } from './usage-error';

/** Everything the command line and the environment ask for. */
export interface Options extends Settings {
  command: string[];
  help: boolean;
  version: boolean;
  license: boolean;
  verbosity: number;
  logFormat: LogFormat;
}

type Flags = Found<typeof OPTION_TABLE>;

/** Parses `tsinit [OPTIONS] [--] COMMAND [ARG...]` and the environment; options stop at the first non-option. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, realtime: RealtimeRange): Options {
  const { found: flags, command } = getopt(argv, OPTION_TABLE);
  const durations: Partial<Record<'graceMs' | 'killAfterMs' | 'timeoutMs', string>> = {
    graceMs: flags.grace ?? DEFAULT_GRACE,
    killAfterMs: flags.killAfter,
    timeoutMs: flags.timeout ?? env.TSINIT_TIMEOUT,
  };
  const toMs = (setting: 'graceMs' | 'killAfterMs' | 'timeoutMs' | 'delays', text: string) => {
    const ms = parseDuration(text);
    if (ms === undefined) throw new UsageError(`bad duration for ${FLAG_OF[setting]}: ${text} (want e.g. 500ms, 10s, 2m)`);
    return ms;
  };
  const milliseconds = (setting: 'graceMs' | 'killAfterMs' | 'timeoutMs') => (durations[setting] === undefined ? undefined : toMs(setting, durations[setting]));
  const delayRules = flags.delay ?? env.TSINIT_DELAY?.split(',') ?? [];

  if (command.length === 0 && !flags.help && !flags.version && !flags.license) {
    throw new UsageError('missing command: tsinit [OPTIONS] -- COMMAND [ARG...]');
  }
  if (flags.singleChild && flags.group) throw new UsageError('-c (signal the command alone) and -g (signal its group) contradict each other');
  const logFormat = flags.logFormat ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`bad log format: ${logFormat} (want text or json)`);

  // dumb-init: DUMB_INIT_SETSID=0 is its single-child mode, any other value its default (setsid).
  const dumbInitSetsid = env.DUMB_INIT_SETSID === undefined ? undefined : env.DUMB_INIT_SETSID !== '0';
  const verboseFlags = flags.verbose ?? 0;
  const given: GivenSettings = {
    subreaper: flags.subreaper === true || (envBoolean(env, 'TSINIT_SUBREAPER') ?? isSet(env, 'TINI_SUBREAPER')),
    singleChild: wantsSingleChild(flags, env, dumbInitSetsid),
    newSession: flags.setsid === true || (!flags.singleChild && dumbInitSetsid === true),
    warnOnReap: flags.warnOnReap === true,
    successCodes: (flags.successCode ?? []).map((text) => (/^\d+$/.test(text) ? Number(text) : text)),
    parentDeathSignal: flags.parentDeathSignal,
    rewrites: (flags.rewrite ?? []).map((rule) => {
      const [from, to, ...rest] = rule.split(':');
      if (to === undefined || rest.length > 0) throw new UsageError(`bad rewrite for -r: ${rule} (want SIGNAL:SIGNAL, e.g. TERM:QUIT or 15:0)`);
      return [from, to];
    }),
    graceMs: milliseconds('graceMs'),
    killAfterMs: milliseconds('killAfterMs'),
    timeoutMs: milliseconds('timeoutMs'),
    delays: delayRules.map((rule) => {
      const [held, duration, ...rest] = rule.split(':');
      if (duration === undefined || rest.length > 0) throw new UsageError(`bad delay for --delay: ${rule} (want SIGNAL:DURATION, e.g. TERM:5s)`);
      return [held, toMs('delays', duration)] as [string, number];
    }),
    restart: flags.restart ?? env.TSINIT_RESTART,
  };
  let settings: Settings;
  try {
    settings = normaliseSettings(given, DEFAULT_GRACE_MS, realtime);
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    throw new UsageError(usageMessage(error, durations));
  }
  return {
    ...settings,
    command,
    help: flags.help === true,
    version: flags.version === true,
    license: flags.license === true,
    verbosity: verboseFlags > 0 ? DEFAULT_VERBOSITY + verboseFlags : envVerbosity(env),
    logFormat,
  };
}

// The command-line option each checked setting comes from.
const FLAG_OF: Partial<Record<keyof GivenSettings, string>> = {
  successCodes: '-e',
  parentDeathSignal: '-p',
  rewrites: '-r',
  graceMs: '--grace',
  killAfterMs: '--kill-after',
  timeoutMs: '--timeout',
  delays: '--delay',
  restart: '--restart',
};

// A refused setting in the command line's words, durations as they were typed.
function usageMessage(error: SettingError, durations: Partial<Record<string, string>>): string {
  const flag = FLAG_OF[error.setting];
  if (error.setting === 'successCodes') return `bad exit code for ${flag}: ${error.value} (want 0-255)`;
  if (error.setting === 'restart') return `bad restart policy for ${flag}: ${error.value} (want no, on-failure[:N] or always[:N])`;
  if (error.setting === 'graceMs' || error.setting === 'killAfterMs' || error.setting === 'timeoutMs') {
    return `duration too long for ${flag}: ${durations[error.setting]} (at most ${MAX_TIMER_MS} ms, about 24 days)`;
  }
  if (error.setting === 'delays' && typeof error.value === 'number') return `duration too long for ${flag}: ${error.value} ms (at most ${MAX_TIMER_MS} ms, about 24 days)`;
  return `bad signal for ${flag}: ${error.value}${error.why === undefined ? '' : ` (${error.why})`}`;
}

// -c or -g, else TSINIT_/TINI_KILL_PROCESS_GROUP, else dumb-init's DUMB_INIT_SETSID=0 (its single-child switch).
function wantsSingleChild(flags: Flags, env: NodeJS.ProcessEnv, dumbInitSetsid: boolean | undefined): boolean {
  if (flags.singleChild || flags.group) return flags.singleChild === true;
  const group = envBoolean(env, 'TSINIT_KILL_PROCESS_GROUP') ?? (isSet(env, 'TINI_KILL_PROCESS_GROUP') || undefined);
  return group !== undefined ? !group : dumbInitSetsid === false;
}

// One strict rule for tsinit's own boolean variables.
function envBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  if (env[name] === undefined) return undefined;
  const value = env[name]!.toLowerCase();
  if (['', '1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`bad ${name}=${env[name]} (want 1, true, yes, on or 0, false, no, off)`);
}

// tini's and dumb-init's variables as they read them: tini's switches are on when set at all.
function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return env[name] !== undefined;
}

function envVerbosity(env: NodeJS.ProcessEnv): number {
  const value = env.TSINIT_VERBOSITY;
  if (value !== undefined) {
    if (!/^\d+$/.test(value) || Number(value) > MAX_VERBOSITY) throw new UsageError(`bad TSINIT_VERBOSITY=${value} (want 0-${MAX_VERBOSITY})`);
    return Number(value);
  }
  // tini reads its number with atoi: `abc` is 0, more than our maximum is our maximum.
  if (env.TINI_VERBOSITY !== undefined) return Math.max(0, Math.min(Number.parseInt(env.TINI_VERBOSITY, 10) || 0, MAX_VERBOSITY));
  return env.DUMB_INIT_DEBUG === '1' ? MAX_VERBOSITY : DEFAULT_VERBOSITY; // dumb-init: only `1` is on
}
