import { EventEmitter } from 'node:events';
import { parseDuration } from './durations';
import { runLifecycle, type LifecycleOptions } from './lifecycle';
import { createLog, DEFAULT_VERBOSITY, type LogFormat } from './log';
import { detectLibc, loadNative, type Reaped } from './native';
import { DEFAULT_GRACE } from './options';
import { parseSignal, realtimeRange, type RealtimeRange } from './signals';

export type { Reaped } from './native';
export type { LogFormat } from './log';

/** How `run` supervises the command; every field but `command` is optional, as CLI flags are. */
export interface RunOptions {
  /** The command and its arguments, as after `tsinit --`. */
  command: string[];
  /** Signals go to the command alone, not its process group (`-c`). */
  singleChild?: boolean;
  /** The command runs in a session of its own (`--setsid`). */
  newSession?: boolean;
  /** Forward signal S as R, names or numbers; R = 0 drops S (`-r S:R`). */
  rewrite?: Record<string, string | number>;
  /** Exit codes of the command reported as 0 (`-e`). */
  successCodes?: number[];
  /** Milliseconds leftovers get between SIGTERM and SIGKILL once the command is gone; 0: none. Default 5000. */
  graceMs?: number;
  /** SIGKILL the command's group this many milliseconds after a forwarded SIGTERM/SIGINT (`--kill-after`). */
  killAfterMs?: number;
  /** The signal this process gets when its parent dies (`-p`). */
  parentDeathSignal?: string | number;
  /** Register as child subreaper even as PID 1 (always done when not PID 1) (`-s`). */
  subreaper?: boolean;
  /** Also warn on stderr about every orphan reaped (`-w`). */
  warnOnReap?: boolean;
  /** stderr log: 0 errors, 1 warnings (default), 2 lifecycle, 3 every signal and reap. */
  verbosity?: number;
  /** `text` (default) or `json` lines on stderr. */
  logFormat?: LogFormat;
}

/** Lifecycle events: the command spawned, a signal forwarded, a child reaped, the init done. */
export interface InitEvents {
  spawn: [{ pid: number; command: string[] }];
  signal: [{ received: string; signal: string; to: number }];
  reap: [Reaped];
  exit: [{ exitCode: number }];
}

// The lifecycle's event names, as the API calls them; the others are log lines only.
const API_EVENTS: Record<string, keyof InitEvents> = {
  spawned: 'spawn',
  'signal-forwarded': 'signal',
  'orphan-reaped': 'reap',
  'child-exited': 'reap',
  'leftover-ended': 'reap',
  exit: 'exit',
};

/** A running init: its lifecycle events, and the exit code the CLI would exit with. */
export class Init extends EventEmitter<InitEvents> {
  /** Resolves with the command's exit code (128+n if signal n killed it) once nothing is left. */
  readonly exited: Promise<number>;

  constructor(options: LifecycleOptions, verbosity: number, logFormat: LogFormat) {
    super();
    const listening = () => this.eventNames().length > 0;
    // A listener that throws must not unwind the lifecycle midway: its error is rethrown on its
    // own, where the init's uncaughtException handler stops the tree and ends with 1, as on any failure.
    const event = (name: string, fields: Record<string, unknown>) => {
      if (!API_EVENTS[name]) return;
      try {
        this.emit(API_EVENTS[name], fields as never);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    };
    const log = createLog(verbosity, logFormat, { listening, event });
    const native = loadNative(detectLibc());
    // Started on the next microtask, so listeners attached right after run() hear the spawn.
    this.exited = Promise.resolve().then(() => runLifecycle(options, native, log));
  }
}

/**
 * Makes this Node process the init of `options.command`: it spawns the command, forwards every
 * signal, reaps every child, and stops the whole tree when the command exits. The process must
 * not use `child_process` meanwhile (the reaper would take its children's statuses). Exiting
 * is yours: `process.exit(await run(...).exited)`.
 */
export function run(options: RunOptions): Init {
  const realtime = realtimeRange(detectLibc());
  if (!Array.isArray(options.command) || options.command.length === 0) throw new TypeError('run: command must be a non-empty array');
  return new Init(
    {
      command: options.command,
      realtime,
      singleChild: options.singleChild ?? false,
      newSession: options.newSession ?? false,
      subreaper: options.subreaper ?? false,
      warnOnReap: options.warnOnReap ?? false,
      remapToZero: new Set(options.successCodes ?? []),
      parentDeathSignal: options.parentDeathSignal === undefined ? undefined : signal(options.parentDeathSignal, realtime),
      rewrites: new Map(Object.entries(options.rewrite ?? {}).map(([from, to]) => [signal(from, realtime), to === 0 || to === '0' ? 0 : signal(to, realtime)])),
      graceMs: options.graceMs ?? parseDuration(DEFAULT_GRACE)!,
      killAfterMs: options.killAfterMs,
    },
    options.verbosity ?? DEFAULT_VERBOSITY,
    options.logFormat ?? 'text',
  );
}

function signal(value: string | number, realtime: RealtimeRange): number {
  const number = parseSignal(String(value), realtime);
  if (number === undefined) throw new TypeError(`run: unknown signal ${value}`);
  return number;
}
