import { EventEmitter } from 'node:events';
import { runSupervisor, type SupervisorOptions } from './supervisor/run-supervisor';
import { createLog, type LogFormat } from './platform/log';
import { detectLibc, loadNative, type Reaped } from './platform/native';
import { normaliseRunOptions, type RunOptions } from './config/run-options';
import { catchFromBoot, SignalIntake } from './platform/signal-intake';
import { closeListeners, openListeners } from './platform/listeners';
import { realtimeRange, watchedSignals } from './platform/signals';

export type { Reaped } from './platform/native';
export type { LogFormat } from './platform/log';
export type { RunOptions } from './config/run-options';
export type { RegisterOptions } from './config/register-options';
export { register } from './register/register';

/** Lifecycle events: the command spawned, a signal forwarded, a child reaped, a restart ahead, the init done. */
export interface InitEvents {
  /** `taskId`: the worker's, 0 to N-1 (0 for one command). */
  spawn: [{ pid: number; command: string[]; taskId: number }];
  signal: [{ received: string; signal: string; to: number }];
  /** A run's end carries its `taskId`; an orphan's has none. */
  reap: [Reaped & { taskId?: number }];
  /** The command ended and starts again after `delayMs` (`restart`): how it ended, which restart this is. */
  restart: [{ taskId: number; pid: number | null; attempt: number; delayMs: number; exitCode: number | null; signal: string | null }];
  exit: [{ exitCode: number }];
}

// The lifecycle's event names, as the API calls them; the others are log lines only.
const API_EVENTS: Record<string, keyof InitEvents> = {
  spawned: 'spawn',
  'signal-forwarded': 'signal',
  'orphan-reaped': 'reap',
  'child-exited': 'reap',
  'leftover-ended': 'reap',
  restart: 'restart',
  exit: 'exit',
};

/** A running init: its lifecycle events, and the exit code the CLI would exit with. */
export class Init extends EventEmitter<InitEvents> {
  /** Resolves with the command's exit code (128+n if signal n killed it) once nothing is left. */
  readonly exited: Promise<number>;

  constructor(options: SupervisorOptions, verbosity: number, logFormat: LogFormat) {
    super();
    const errorLog = createLog(verbosity, logFormat);
    // A listener that throws must not unwind the lifecycle midway: its error is rethrown on its
    // own, where the init's uncaughtException handler stops the tree and ends with 1, as on any
    // failure. After the end (an `exit` listener) there is nothing left to stop: it is logged.
    const event = (name: string, fields: Record<string, unknown>) => {
      if (!API_EVENTS[name]) return;
      try {
        this.emit(API_EVENTS[name], fields as never);
      } catch (error) {
        if (name === 'exit') return errorLog('error', 'fatal', `internal error: ${error instanceof Error ? error.message : String(error)}`);
        queueMicrotask(() => {
          throw error;
        });
      }
    };
    // Every event goes to the sink, so a listener attached at any time hears every later one.
    const log = createLog(verbosity, logFormat, { event });
    const native = loadNative(detectLibc());
    const listeners = openListeners(native, options.listen); // a port in use throws here: nothing started
    const signals = watchedSignals(options.realtime);
    catchFromBoot(native, signals);
    const intake = new SignalIntake(native, signals);
    running = this;
    const end = () => {
      intake.close();
      closeListeners(listeners);
      running = undefined;
    };
    // Started on the next microtask, so listeners attached right after run() hear the spawn.
    this.exited = Promise.resolve()
      .then(() => runSupervisor(options, listeners, native, log, intake))
      .finally(end);
  }
}

// The init this process runs now, if any: signals and the reaper can serve one at a time.
let running: Init | undefined;

/**
 * Makes this Node process the init of `options.command`: it spawns the command, forwards every
 * signal, reaps every child, and stops the whole tree when the command exits. The process must
 * not use `child_process` meanwhile (the reaper would take its children's statuses). Exiting
 * is yours: `process.exit(await run(...).exited)`. Once `exited` resolves, the process's signals
 * and listeners are as they were; another `run` may follow.
 */
export function run(options: RunOptions): Init {
  if (running) throw new Error('run: an init is already running in this process; await its `exited` first');
  const realtime = realtimeRange(detectLibc());
  const normalised = normaliseRunOptions(options, realtime);
  const { lifecycle } = normalised;
  const bytes = { commandBytes: lifecycle.command.map((arg) => Buffer.from(arg)), searchPath: process.env.PATH === undefined ? undefined : Buffer.from(process.env.PATH) };
  return new Init({ ...lifecycle, ...bytes, realtime }, normalised.verbosity, normalised.logFormat);
}
