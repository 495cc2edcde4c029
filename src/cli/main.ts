import { closeInspectorOpenedAtBoot } from '../platform/keep-inspector-off'; // must stay the first import
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readCommandLine, startEnvironmentValue } from '../platform/command-bytes';
import { commandOomScoreAdj } from '../platform/oom';
import { releaseCleanPages } from '../platform/clean-pages';
import { openListeners, SocketOpenError } from '../platform/listeners';
import { createLog, DEFAULT_VERBOSITY, writeAll } from '../platform/log';
import { detectLibc, loadNative } from '../platform/native';
import { restartWithoutNodeOptions, takeHandOver } from '../platform/node-options';
import { HELP, parseOptions, USAGE_EXIT_CODE, UsageError } from './options';
import { catchFromBoot, SignalIntake } from '../platform/signal-intake';
import { realtimeRange, watchedSignals } from '../platform/signals';
import { runSupervisor } from '../supervisor/run-supervisor';
import { version } from '../../package.json';

// The commit tsinit was built from (esbuild --define), for `--version` as tini words it (Docker
// parses `docker-init --version`); empty when not built from git.
declare const TSINIT_COMMIT: string;

// When start-up's work is over (keep-inspector-off looks a last time at 1 s): the init's clean
// pages can go, since an idle init touches few of them again.
const RELEASE_PAGES_AFTER_MS = 2000;

// Exit code when tsinit cannot start (no addon for this platform, a failed syscall).
const START_FAILURE_EXIT_CODE = 1;

// The first thing the bundle does: watch every signal, before options, the restart or the
// spawn, so that none sent meanwhile is lost. Failures wait for main() to report them.
function watchFirst() {
  const commandLine = readCommandLine();
  process.title = 'tsinit'; // so `ps` and `pkill node` in the app never take the init for node
  const libc = detectLibc();
  const native = loadNative(libc);
  const realtime = realtimeRange(libc);
  const signals = watchedSignals(realtime);
  const lostAtBoot = catchFromBoot(native, signals);
  const handOver = takeHandOver();
  const intake = new SignalIntake(native, signals, [...(handOver?.signals ?? []), ...lostAtBoot]);
  return { realtime, native, handOver, intake, commandLine };
}

let started: ReturnType<typeof watchFirst> | Error;
try {
  started = watchFirst();
} catch (error) {
  started = error as Error;
}

async function main(argv: string[]): Promise<number> {
  if (started instanceof Error) throw started;
  const { realtime, native, handOver, intake, commandLine } = started;
  if (handOver) native.setEnvironment('NODE_OPTIONS', Buffer.from(handOver.nodeOptions, 'base64')); // the command's again, byte for byte
  // Node deletes NODE_UNIQUE_ID as it starts (a cluster worker's mark): the command's too.
  const uniqueId = startEnvironmentValue('NODE_UNIQUE_ID');
  if (uniqueId !== undefined && process.env.NODE_UNIQUE_ID === undefined) native.setEnvironment('NODE_UNIQUE_ID', uniqueId);
  const options = parseOptions(argv, process.env, realtime);
  const log = createLog(options.verbosity, options.logFormat);
  if (options.help) return writeAll(1, HELP), 0;
  if (options.version) return writeAll(1, `tsinit version ${version}${TSINIT_COMMIT ? ` - git.${TSINIT_COMMIT}` : ''}\n`), 0;
  if (options.license) return writeAll(1, readFileSync(path.join(__dirname, '..', 'LICENSE'), 'utf8')), 0;
  if (!handOver) await restartWithoutNodeOptions(native, intake, commandLine, log);
  // CMD's words as given, not as Node decoded them: the last ones of the command line.
  const bytes = { commandBytes: commandLine.slice(commandLine.length - options.command.length), searchPath: startEnvironmentValue('PATH') };
  const listeners = openListeners(native, options.listen);
  // CMD first: setting up the inspector's look and the page release (both run on the loop) only delayed it.
  const ended = runSupervisor({ ...options, ...bytes, realtime, oomScoreAdj: commandOomScoreAdj(log), ownsProcess: true }, listeners, native, log, intake);
  closeInspectorOpenedAtBoot(log);
  setTimeout(() => releaseCleanPages(native), RELEASE_PAGES_AFTER_MS).unref();
  return native.exit(await ended);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    createLog(DEFAULT_VERBOSITY)('error', 'start-failed', error.message);
    process.exit(error instanceof UsageError || error instanceof SocketOpenError ? USAGE_EXIT_CODE : START_FAILURE_EXIT_CODE);
  },
);
