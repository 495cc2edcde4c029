import { isMainThread } from 'node:worker_threads';
import { normaliseRegisterOptions, type RegisterOptions } from '../config/register-options';
import { createLog } from '../platform/log';
import { detectLibc, loadNative } from '../platform/native';
import { readProcess } from '../platform/process-tree';
import { realtimeRange, signalName } from '../platform/signals';
import { kernelProcessTable } from '../supervisor/tree-stop';
import { listenForEndingSignals } from './ending-signals';
import { InProcessInit, type Host } from './in-process-init';

// Loaded twice (two copies of the package, -r and register()), the second must do nothing.
const REGISTERED = Symbol.for('tsinit-pid1.register');

/**
 * Makes this Node app its own safe PID 1, with no second process: as PID 1 it reaps every orphan
 * it adopts (never a child that child_process waits for), and an ending signal the app does not
 * listen for (TERM, INT, HUP) stops the app's children (SIGTERM, the grace, SIGKILL) and exits
 * 128+n; what the app leaves at its exit gets the same stop. Not PID 1, it does nothing unless
 * `subreaper`; under the tsinit CLI, or registered already, nothing either. -v says which.
 */
export function register(options: RegisterOptions = {}): void {
  const libc = detectLibc();
  const realtime = realtimeRange(libc);
  const { graceMs, subreaper, signals, verbosity, logFormat } = normaliseRegisterOptions(options, realtime);
  const log = createLog(verbosity, logFormat);
  // `node -r` loads it in every worker thread too, where process.pid is the app's: the process's
  // init is the main thread's alone (its reaps, its exit's stop).
  if (!isMainThread) return log('debug', 'register', 'in a worker thread: the main thread is the init');
  const registry = globalThis as { [REGISTERED]?: boolean };
  if (registry[REGISTERED]) return log('info', 'register', 'registered already in this process: this one does nothing');
  if (process.pid !== 1) {
    if (readProcess(process.ppid)?.name === 'tsinit') return log('info', 'register', `under tsinit (pid ${process.ppid}), which reaps and forwards: register does nothing`);
    if (!subreaper) return log('info', 'register', `not PID 1 (pid ${process.pid}): nothing to do (subreaper: true reaps the app's orphans here)`);
  }
  registry[REGISTERED] = true;
  const native = loadNative(libc);
  if (process.pid !== 1) native.setChildSubreaper(true);
  const names = new Map(signals.map((signal) => [signal, signalName(signal, realtime)]));
  let appListeners: (signal: number) => number = () => 0;
  const host: Host = {
    appListeners: (signal) => appListeners(signal),
    exit: (code) => process.exit(code),
    after: (ms, fire) => {
      const timer = setTimeout(fire, ms);
      return () => clearTimeout(timer);
    },
    sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
    signalName: (signal) => signalName(signal, realtime),
  };
  const init = new InProcessInit(native, kernelProcessTable(native), log, graceMs, host, process.pid);
  // As PID 1 the kernel drops a signal that has no handler: without these, docker stop waits, then SIGKILLs.
  if (process.pid === 1) appListeners = listenForEndingSignals(names, (signal) => init.onSignal(signal));
  process.on('exit', () => init.atExit());
  log('info', 'register', process.pid === 1 ? 'PID 1: reaping orphans, ending on ' + [...names.values()].join(', ') : `not PID 1 (pid ${process.pid}): registered as child subreaper, reaping orphans`);
  init.start();
}
