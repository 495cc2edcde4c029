import minimist from 'minimist';
import { DEFAULT_VERBOSITY } from './log';

/** Bad command line: the CLI prints its message on one line and exits with USAGE_EXIT_CODE. */
export class UsageError extends Error {}

/** Exit code for a bad command line (as GNU tools; CMD's codes pass through unchanged). */
export const USAGE_EXIT_CODE = 2;

/** Everything the command line asks for. */
export interface Options {
  command: string[];
  verbosity: number;
  help: boolean;
  version: boolean;
}

/** Help text for -h/--help. */
export const HELP = `Usage: tsinit [OPTIONS] [--] COMMAND [ARG...]

Runs COMMAND as the child of a container init: forwards signals to its process group,
reaps every zombie, and exits with COMMAND's exit code (128+n if signal n killed it).

Options:
  -v             more log lines on stderr (repeat: -vv)
  -h, --help     this text
  --version      print the version
`;

const BOOLEANS = ['v', 'help', 'version'];

/** Parses `tsinit [OPTIONS] [--] COMMAND [ARG...]`; options stop at the first non-option. */
export function parseOptions(argv: string[]): Options {
  const parsed = minimist(argv, {
    boolean: BOOLEANS,
    alias: { h: 'help' },
    stopEarly: true,
    unknown: (arg) => {
      if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
      return true;
    },
  });
  const command = parsed._.map(String);
  const optionArgs = argv.slice(0, argv.length - command.length);
  if (command.length === 0 && !parsed.help && !parsed.version) {
    throw new UsageError('missing command: tsinit [OPTIONS] -- COMMAND [ARG...]');
  }
  return {
    command,
    verbosity: DEFAULT_VERBOSITY + countShortFlag(optionArgs, 'v'),
    help: parsed.help,
    version: parsed.version,
  };
}

// minimist turns a repeated boolean into one `true`; -vv and -v -v must count twice.
function countShortFlag(optionArgs: string[], letter: string): number {
  return optionArgs
    .filter((arg) => /^-[a-zA-Z]+$/.test(arg))
    .reduce((count, arg) => count + arg.split(letter).length - 1, 0);
}
