import { parseArgs } from 'node:util';
import { MAX_TIMER_MS, parseDuration } from '../config/durations';
import { DEFAULT_VERBOSITY, MAX_VERBOSITY, type LogFormat } from '../platform/log';
import { DEFAULT_GRACE, DEFAULT_GRACE_MS, normaliseSettings, SettingError, type GivenSettings, type Settings } from '../config/settings';
import type { RealtimeRange } from '../platform/signals';

/** Bad command line or environment: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {}

/** Exit code for a bad command line (as GNU tools; CMD's codes pass through unchanged). */
export const USAGE_EXIT_CODE = 2;

/** Everything the command line and the environment ask for. */
export interface Options extends Settings {
  command: string[];
  help: boolean;
  version: boolean;
  license: boolean;
  verbosity: number;
  logFormat: LogFormat;
}

/** Help text for -h/--help. */
export const HELP = `Usage: tsinit [OPTIONS] [--] COMMAND [ARG...]

Runs COMMAND as the child of a container init: forwards signals to its process group,
reaps every zombie, and exits with COMMAND's exit code (128+n if signal n killed it).
When COMMAND exits, what it left running gets SIGTERM, then SIGKILL after the grace.

Options:
  -v                    more log lines on stderr (repeat: -vv)
  --log-format FORMAT   text (default) or json: one JSON object per event
  -w                    warn about every zombie reaped that was not COMMAND
  -c, --single-child    signals go to COMMAND alone, not its process group
  -g                    signals go to COMMAND's process group (the default)
  --setsid              run COMMAND in a session of its own
  -r, --rewrite S:R     forward signal S as R (names or numbers; R=0 drops S); repeatable
  -e CODE               exit 0 when COMMAND's exit code is CODE; repeatable
  --grace DURATION      time between SIGTERM and SIGKILL for leftovers (default ${DEFAULT_GRACE}; 0: none)
  --kill-after DURATION SIGKILL COMMAND's group this long after a forwarded SIGTERM/SIGINT
  --timeout DURATION    stop the whole tree as at the end and exit 124 when COMMAND runs longer
                        (0: none)
  --delay S:DURATION    hold signal S this long before forwarding it; a second S or a SIGINT
                        forwards it at once (Kubernetes: --delay TERM:5s); repeatable
  --restart POLICY      no (default), on-failure[:N] or always[:N]: start COMMAND again after it
                        ends (a failure: exit code not 0, or a signal not forwarded by tsinit),
                        at most N times, backing off from 100ms to 30s; a SIGTERM/SIGINT ends it
  -p SIGNAL             have SIGNAL sent to tsinit when its parent dies
  -s                    register as a child subreaper (automatic when not PID 1)
  -l                    print the license
  -h, --help            this text
  --version             print the version

-r and --delay take any signal tsinit forwards: not KILL, STOP, CHLD, TTIN or TTOU.
Durations: 500ms, 10s, 1.5s, 2m, or a number of seconds.
Environment: TSINIT_VERBOSITY (0-3), TSINIT_SUBREAPER, TSINIT_KILL_PROCESS_GROUP,
TSINIT_TIMEOUT, TSINIT_DELAY (rules joined by commas), TSINIT_RESTART; tini's
TINI_* and dumb-init's DUMB_INIT_SETSID, DUMB_INIT_DEBUG too. Booleans: empty, 1, true, yes,
on mean on; 0, false, no, off mean off. Flags beat the environment.
`;

// The options, read as getopt reads tini's: short ones cluster (`-vvs`) and take their value
// attached or as the next word (`-pTERM`, `-p TERM`, `-e -1`); long ones take `--name=value` or
// `--name value`; given twice, a single-value option keeps the last. One-letter names are short only.
const OPTIONS = {
  v: { type: 'boolean', short: 'v', multiple: true },
  s: { type: 'boolean', short: 's' },
  g: { type: 'boolean', short: 'g' },
  w: { type: 'boolean', short: 'w' },
  l: { type: 'boolean', short: 'l' },
  'single-child': { type: 'boolean', short: 'c' },
  setsid: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  e: { type: 'string', short: 'e', multiple: true },
  p: { type: 'string', short: 'p' },
  rewrite: { type: 'string', short: 'r', multiple: true },
  grace: { type: 'string' },
  'kill-after': { type: 'string' },
  timeout: { type: 'string' },
  delay: { type: 'string', multiple: true },
  restart: { type: 'string' },
  'log-format': { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

/** Parses `tsinit [OPTIONS] [--] COMMAND [ARG...]` and the environment; options stop at the first non-option. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, realtime: RealtimeRange): Options {
  const [optionArgs, command] = splitAtCommand(argv);
  // `tsinit -- CMD` (the usual ENTRYPOINT) has no option to parse, and start-up is not spent on it.
  const flags: Flags = optionArgs.length === 0 ? {} : readFlags(optionArgs);
  const durations: Partial<Record<'graceMs' | 'killAfterMs' | 'timeoutMs', string>> = {
    graceMs: flags.grace ?? DEFAULT_GRACE,
    killAfterMs: flags['kill-after'],
    timeoutMs: flags.timeout ?? env.TSINIT_TIMEOUT,
  };
  const toMs = (setting: 'graceMs' | 'killAfterMs' | 'timeoutMs' | 'delays', text: string) => {
    const ms = parseDuration(text);
    if (ms === undefined) throw new UsageError(`bad duration for ${FLAG_OF[setting]}: ${text} (want e.g. 500ms, 10s, 2m)`);
    return ms;
  };
  const milliseconds = (setting: 'graceMs' | 'killAfterMs' | 'timeoutMs') => (durations[setting] === undefined ? undefined : toMs(setting, durations[setting]));
  const delayRules = flags.delay ?? env.TSINIT_DELAY?.split(',') ?? [];

  if (command.length === 0 && !flags.help && !flags.version && !flags.l) {
    throw new UsageError('missing command: tsinit [OPTIONS] -- COMMAND [ARG...]');
  }
  if (flags['single-child'] && flags.g) throw new UsageError('-c (signal the command alone) and -g (signal its group) contradict each other');
  const logFormat = flags['log-format'] ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`bad log format: ${logFormat} (want text or json)`);

  // dumb-init: DUMB_INIT_SETSID=0 is its single-child mode, any other value its default (setsid).
  const dumbInitSetsid = env.DUMB_INIT_SETSID === undefined ? undefined : env.DUMB_INIT_SETSID !== '0';
  const verboseFlags = flags.v?.length ?? 0;
  const given: GivenSettings = {
    subreaper: flags.s === true || (envBoolean(env, 'TSINIT_SUBREAPER') ?? isSet(env, 'TINI_SUBREAPER')),
    singleChild: wantsSingleChild(flags, env, dumbInitSetsid),
    newSession: flags.setsid === true || (!flags['single-child'] && dumbInitSetsid === true),
    warnOnReap: flags.w === true,
    successCodes: (flags.e ?? []).map((text) => (/^\d+$/.test(text) ? Number(text) : text)),
    parentDeathSignal: flags.p,
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
    license: flags.l === true,
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

// Options end at `--` or at the first word that is neither an option nor an option's value.
// An option's value in the next word is joined to it (`-e -1` -> `-e-1`, `--grace 5s` ->
// `--grace=5s`), so that a value starting with `-` is a value, as for getopt.
function splitAtCommand(argv: string[]): [string[], string[]] {
  const options: string[] = [];
  let index = 0;
  while (index < argv.length && argv[index].startsWith('-') && argv[index] !== '-') {
    const arg = argv[index++];
    if (arg === '--') break;
    const takesNext = arg.startsWith('--') ? !arg.includes('=') && OPTIONS[arg.slice(2) as keyof typeof OPTIONS]?.type === 'string' : shortTakesNext(arg);
    if (takesNext && index < argv.length) options.push(arg.startsWith('--') ? `${arg}=${argv[index++]}` : `${arg}${argv[index++]}`);
    else options.push(arg);
  }
  return [options, argv.slice(index)];
}

// In a cluster, the first letter that takes a value takes the rest, or the next word if none is left.
function shortTakesNext(cluster: string): boolean {
  for (let i = 1; i < cluster.length; i++) {
    const option = Object.values(OPTIONS).find((candidate) => 'short' in candidate && candidate.short === cluster[i]);
    if (option?.type === 'string') return i === cluster.length - 1;
  }
  return false;
}

// Node's own parser (util.parseArgs), its errors turned into one-line usage errors.
function readFlags(optionArgs: string[]): Flags {
  let parsed;
  try {
    parsed = parseArgs({ args: optionArgs, options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    const option = /'(-[^', ]+)/.exec((error as Error).message)?.[1] ?? '';
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option}`);
    if (/does not take an argument/.test((error as Error).message)) throw new UsageError(`option ${option} takes no value`);
    throw new UsageError(`option ${option} needs a value`);
  }
  const longFormOfShort = parsed.tokens.find((token) => token.kind === 'option' && token.rawName.startsWith('--') && token.name.length === 1);
  if (longFormOfShort?.kind === 'option') throw new UsageError(`unknown option ${longFormOfShort.rawName}`);
  return parsed.values;
}

// -c or -g, else TSINIT_/TINI_KILL_PROCESS_GROUP, else dumb-init's DUMB_INIT_SETSID=0 (its single-child switch).
function wantsSingleChild(flags: Flags, env: NodeJS.ProcessEnv, dumbInitSetsid: boolean | undefined): boolean {
  if (flags['single-child'] || flags.g) return flags['single-child'] === true;
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
