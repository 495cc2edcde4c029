import { MAX_VERBOSITY } from '../platform/log';

/** A value and who gave it (a flag or a variable), so that a refusal names what the user wrote. */
export interface Said<T> {
  value: T;
  by: string;
}

/** A variable's value refused, the message naming it: the CLI reports it as a usage error. */
export class EnvironmentError extends Error {}

/**
 * Each setting as tsinit's, tini's and dumb-init's variables ask for it (README "Environment"),
 * each read by its own rule so that an image keeps its meaning; TSINIT_* beats TINI_*, which
 * beats DUMB_INIT_*. Undefined: not asked. The CLI reads one only when no flag gave its setting
 * (flags beat the environment: a variable a flag overrides is never read, nor refused).
 */
export const fromEnvironment = {
  /** TSINIT_VERBOSITY strictly; tini's as its atoi reads it (`abc` is 0, above the maximum the maximum); dumb-init's debug switch only at 1. */
  verbosity(env: NodeJS.ProcessEnv): number | undefined {
    const value = env.TSINIT_VERBOSITY;
    if (value !== undefined) {
      if (!/^\d+$/.test(value) || Number(value) > MAX_VERBOSITY) throw new EnvironmentError(`bad TSINIT_VERBOSITY=${value} (want 0-${MAX_VERBOSITY})`);
      return Number(value);
    }
    if (env.TINI_VERBOSITY !== undefined) return Math.max(0, Math.min(Number.parseInt(env.TINI_VERBOSITY, 10) || 0, MAX_VERBOSITY));
    return env.DUMB_INIT_DEBUG === '1' ? MAX_VERBOSITY : undefined;
  },

  /** TSINIT_SUBREAPER, else TINI_SUBREAPER (on when set at all, even to 0). */
  subreaper(env: NodeJS.ProcessEnv): boolean | undefined {
    return envBoolean(env, 'TSINIT_SUBREAPER') ?? (isSet(env, 'TINI_SUBREAPER') || undefined);
  },

  /** TSINIT_KILL_PROCESS_GROUP off; TINI_KILL_PROCESS_GROUP set at all means the group; else dumb-init's DUMB_INIT_SETSID=0 (its single-child mode). */
  singleChild(env: NodeJS.ProcessEnv): boolean | undefined {
    const signalsGroup = envBoolean(env, 'TSINIT_KILL_PROCESS_GROUP') ?? (isSet(env, 'TINI_KILL_PROCESS_GROUP') || undefined) ?? dumbInitSetsid(env);
    return signalsGroup === undefined ? undefined : !signalsGroup;
  },

  /** DUMB_INIT_SETSID other than 0: dumb-init's default, a session of CMD's own. */
  newSession: dumbInitSetsid,

  /** TSINIT_TIMEOUT, a duration. */
  timeout: (env: NodeJS.ProcessEnv): Said<string> | undefined => said(env, 'TSINIT_TIMEOUT', (text) => text),

  /** TSINIT_DELAY, `S:DURATION` rules joined by commas. */
  delays: (env: NodeJS.ProcessEnv): Said<string[]> | undefined => said(env, 'TSINIT_DELAY', (text) => text.split(',')),

  /** TSINIT_RESTART, a restart policy. */
  restart: (env: NodeJS.ProcessEnv): Said<string> | undefined => said(env, 'TSINIT_RESTART', (text) => text),

  /** TSINIT_WORKERS, a number of workers or `auto`. */
  workers: (env: NodeJS.ProcessEnv): Said<string> | undefined => said(env, 'TSINIT_WORKERS', (text) => text),

  /** TSINIT_LISTEN, `[NAME=]ADDR` words joined by commas. */
  listen: (env: NodeJS.ProcessEnv): Said<string[]> | undefined => said(env, 'TSINIT_LISTEN', (text) => text.split(',')),
};

function dumbInitSetsid(env: NodeJS.ProcessEnv): boolean | undefined {
  return env.DUMB_INIT_SETSID === undefined ? undefined : env.DUMB_INIT_SETSID !== '0';
}

function said<T>(env: NodeJS.ProcessEnv, name: string, read: (text: string) => T): Said<T> | undefined {
  return env[name] === undefined ? undefined : { value: read(env[name]), by: name };
}

// One strict rule for tsinit's own boolean variables.
function envBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  if (env[name] === undefined) return undefined;
  const value = env[name].toLowerCase();
  if (['', '1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new EnvironmentError(`bad ${name}=${env[name]} (want 1, true, yes, on or 0, false, no, off)`);
}

// tini's switches are on when set at all, even to 0.
function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return env[name] !== undefined;
}
