import './keep-inspector-off'; // must stay the first import
import { createLog, DEFAULT_VERBOSITY, writeAll } from './log';
import { runLifecycle } from './lifecycle';
import { loadNative } from './native';
import { HELP, parseOptions, USAGE_EXIT_CODE, UsageError } from './options';
import { version } from '../package.json';

// Exit code when tsinit itself fails (not CMD).
const INIT_FAILURE_EXIT_CODE = 1;

async function main(argv: string[]): Promise<number> {
  process.title = 'tsinit'; // so `ps` and `pkill node` in the app never take the init for node
  const options = parseOptions(argv);
  if (options.help) return writeAll(1, HELP), 0;
  if (options.version) return writeAll(1, `tsinit version ${version}\n`), 0;
  return runLifecycle(options, loadNative(), createLog(options.verbosity));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    createLog(DEFAULT_VERBOSITY)('error', error.message);
    process.exit(error instanceof UsageError ? USAGE_EXIT_CODE : INIT_FAILURE_EXIT_CODE);
  },
);
