import { EnvironmentError, fromEnvironment, type Said } from '../config/environment';
import { DEFAULT_GRACE_MS, normaliseSettings, SettingError, type SettingSources, type Settings } from '../config/settings';
import { DEFAULT_VERBOSITY, type LogFormat } from '../platform/log';
import type { RealtimeRange } from '../platform/signals';
import { getopt } from './getopt';
import { OPTION_TABLE } from './option-table';
import { delayRules, durationMs, exitCodes, rewriteRules, workersValue } from './option-values';
import { refusalMessage, type SaidSettings } from './refusal-message';
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

/** Parses `tsinit [OPTIONS] [--] COMMAND [ARG...]` and the environment; options stop at the first non-option. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv, realtime: RealtimeRange, sources: Partial<Pick<SettingSources, 'cwd' | 'cpus'>> = {}): Options {
  const { found, command } = getopt(argv, OPTION_TABLE);
  if (command.length === 0 && !found.help && !found.version && !found.license) {
    throw new UsageError('missing command: tsinit [OPTIONS] -- COMMAND [ARG...]');
  }
  if (found.singleChild && found.group) throw new UsageError('-c (signal the command alone) and -g (signal its group) contradict each other');
  const logFormat = found.logFormat ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`bad log format: ${logFormat} (want text or json)`);

  // Flags beat the environment: a variable is read only for a setting no flag gave.
  const said = {
    successCodes: fromFlag(found.successCode, '-e'),
    parentDeathSignal: fromFlag(found.parentDeathSignal, '-p'),
    rewrites: fromFlag(found.rewrite, '-r'),
    graceMs: fromFlag(found.grace, '--grace'), // none: the default, DEFAULT_GRACE_MS
    killAfterMs: fromFlag(found.killAfter, '--kill-after'),
    timeoutMs: fromFlag(found.timeout, '--timeout') ?? fromEnvironment.timeout(env),
    delays: fromFlag(found.delay, '--delay') ?? fromEnvironment.delays(env),
    restart: fromFlag(found.restart, '--restart') ?? fromEnvironment.restart(env),
    workers: fromFlag(found.workers, '--workers') ?? fromEnvironment.workers(env),
    listen: fromFlag(found.listen, '--listen') ?? fromEnvironment.listen(env),
  } satisfies SaidSettings;
  try {
    const settings = normaliseSettings(
      {
        subreaper: found.subreaper ?? fromEnvironment.subreaper(env) ?? false,
        // -c or -g, else the environment.
        singleChild: found.singleChild ?? (found.group ? false : undefined) ?? fromEnvironment.singleChild(env) ?? false,
        // dumb-init's -c is its single-child mode, which has no session of its own.
        newSession: found.setsid ?? (found.singleChild ? false : undefined) ?? fromEnvironment.newSession(env) ?? false,
        warnOnReap: found.warnOnReap ?? false,
        successCodes: said.successCodes && exitCodes(said.successCodes),
        parentDeathSignal: said.parentDeathSignal?.value,
        rewrites: said.rewrites && rewriteRules(said.rewrites),
        graceMs: said.graceMs && durationMs(said.graceMs),
        killAfterMs: said.killAfterMs && durationMs(said.killAfterMs),
        timeoutMs: said.timeoutMs && durationMs(said.timeoutMs),
        delays: said.delays && delayRules(said.delays),
        restart: said.restart?.value,
        workers: said.workers && workersValue(said.workers),
        listen: said.listen?.value,
      },
      DEFAULT_GRACE_MS,
      realtime,
      said.workers === undefined ? sources : { ...sources, workersFrom: said.workers.by },
    );
    const verbosity = found.verbose === undefined ? (fromEnvironment.verbosity(env) ?? DEFAULT_VERBOSITY) : DEFAULT_VERBOSITY + found.verbose;
    return { ...settings, command, help: found.help ?? false, version: found.version ?? false, license: found.license ?? false, verbosity, logFormat };
  } catch (error) {
    if (error instanceof EnvironmentError) throw new UsageError(error.message);
    if (error instanceof SettingError) throw new UsageError(refusalMessage(error, said));
    throw error;
  }
}

// A flag's value and its spelling, if given.
function fromFlag<T>(value: T | undefined, by: string): Said<T> | undefined {
  return value === undefined ? undefined : { value, by };
}
