import type { OptionSpec } from './getopt';

/** tsinit's options for getopt, in HELP's order (which says what each does): tini's letters, dumb-init's long names and -V, tsinit's own. */
export const OPTION_TABLE = [
  { key: 'verbose', short: 'v', long: 'verbose', value: false, repeat: true },
  { key: 'logFormat', long: 'log-format', value: true, repeat: false },
  { key: 'warnOnReap', short: 'w', value: false, repeat: false },
  { key: 'singleChild', short: 'c', long: 'single-child', value: false, repeat: false },
  { key: 'group', short: 'g', value: false, repeat: false },
  { key: 'setsid', long: 'setsid', value: false, repeat: false },
  { key: 'rewrite', short: 'r', long: 'rewrite', value: true, repeat: true },
  { key: 'successCode', short: 'e', value: true, repeat: true },
  { key: 'grace', long: 'grace', value: true, repeat: false },
  { key: 'killAfter', long: 'kill-after', value: true, repeat: false },
  { key: 'timeout', long: 'timeout', value: true, repeat: false },
  { key: 'delay', long: 'delay', value: true, repeat: true },
  { key: 'restart', long: 'restart', value: true, repeat: false },
  { key: 'workers', long: 'workers', value: true, repeat: false },
  { key: 'listen', long: 'listen', value: true, repeat: true },
  { key: 'parentDeathSignal', short: 'p', value: true, repeat: false },
  { key: 'subreaper', short: 's', value: false, repeat: false },
  { key: 'license', short: 'l', value: false, repeat: false },
  { key: 'help', short: 'h', long: 'help', value: false, repeat: false },
  { key: 'version', short: 'V', long: 'version', value: false, repeat: false },
] as const satisfies readonly OptionSpec[];
