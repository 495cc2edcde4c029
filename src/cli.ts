import './keep-inspector-off'; // must stay the first import
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runLifecycle } from './lifecycle';
import { createLog, DEFAULT_VERBOSITY, writeAll } from './log';
import { detectLibc, loadNative } from './native';
import { restartWithoutNodeOptions, restoreNodeOptions } from './node-options';
import { HELP, parseOptions, USAGE_EXIT_CODE, UsageError } from './options';
import { realtimeRange } from './signals';
import { version } from '../package.json';

// Exit code when tsinit cannot start (no addon for this platform, a failed syscall).
const START_FAILURE_EXIT_CODE = 1;

async function main(argv: string[]): Promise<number> {
  process.title = 'tsinit'; // so `ps` and `pkill node` in the app never take the init for node
  const libc = detectLibc();
  const realtime = realtimeRange(libc);
  const options = parseOptions(argv, process.env, realtime);
  if (options.help) return writeAll(1, HELP), 0;
  if (options.version) return writeAll(1, `tsinit version ${version}\n`), 0;
  if (options.license) return writeAll(1, readFileSync(path.join(__dirname, '..', 'LICENSE'), 'utf8')), 0;
  const native = loadNative(libc);
  restartWithoutNodeOptions(native);
  restoreNodeOptions();
  const code = await runLifecycle({ ...options, realtime }, native, createLog(options.verbosity, options.logFormat));
  return native.exit(code);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    createLog(DEFAULT_VERBOSITY)('error', 'start-failed', error.message);
    process.exit(error instanceof UsageError ? USAGE_EXIT_CODE : START_FAILURE_EXIT_CODE);
  },
);
