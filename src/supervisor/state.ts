import type { FastPathPlan, Reaped } from '../platform/native';
import type { LogLevel } from '../platform/log';

/** One start of the command: a worker of the pool, or the one command. */
export interface Run {
  /** 0..N-1: which worker this is; a restart keeps it. */
  readonly taskId: number;
  readonly pid: number;
  /** Monotonic milliseconds at its spawn. */
  readonly startedAt: number;
  /** Signals tsinit sent it (forwarded, or --kill-after's SIGKILL): a death by one is no failure. */
  readonly sent: readonly number[];
}

/** A signal --delay holds, and for how long its timer holds it. */
export interface Held {
  readonly signal: number;
  readonly delayMs: number;
}

/** What the whole life remembers, whatever the state: restarts made, and the exit code as it stands. */
export interface History {
  /** Restarts made, all task ids together: one budget. */
  readonly restarts: number;
  /** Per task id: restarts since its run last stayed up long enough to reset its back-off. */
  readonly backoffSteps: Readonly<Record<number, number>>;
  /** A SIGTERM or SIGINT, the timeout or a failure came: nothing is started again. */
  readonly ending: boolean;
  /** The code tsinit exits with if it ended now. */
  readonly code: number;
  /** Signals the kernel sends tsinit once for its own doing (giving up the terminal), not to forward. */
  readonly swallow: readonly number[];
}

/** A worker whose last run failed: its code, how it ended (for logs), its pid (none if it could not start). */
export interface FailedWorker {
  readonly taskId: number;
  readonly code: number;
  readonly ended: string;
  readonly pid: number | null;
}

/** A pool's workers that do not run now: in their back-off, or done (with their last run's code). */
export interface Pool {
  readonly backingOff: readonly FailedWorker[];
  readonly finished: readonly { readonly taskId: number; readonly code: number }[];
}

/** What `running` and `delaying` hold: the runs up, the pool's other workers, --delay's and --kill-after's marks. */
export interface RunsUp {
  readonly history: History;
  readonly runs: readonly Run[];
  readonly pool: Pool;
  readonly heldOnce: readonly number[];
  readonly killAfterArmed: boolean;
}

/** After the tree is stopped: exit, or start the command again after its back-off. */
export type AfterStop = { readonly kind: 'exit' } | { readonly kind: 'restart'; readonly status: Reaped; readonly upMs: number };

/**
 * The supervisor's state, each variant with its own data. `starting` until the command is
 * spawned; `running` while it runs; `delaying` while it runs and --delay holds a signal;
 * `stopping` while the tree gets SIGTERM, the grace, then SIGKILL (`phase`), before the exit or
 * a restart; `restarting` in the back-off before a run starts again; `exiting` once the code is known.
 */
export type State =
  | { readonly kind: 'starting'; readonly history: History }
  | ({ readonly kind: 'running' } & RunsUp)
  | ({ readonly kind: 'delaying'; readonly held: readonly Held[] } & RunsUp)
  | {
      readonly kind: 'stopping';
      readonly history: History;
      /** Runs still alive (the timeout or a failure stops the tree around them). */
      readonly runs: readonly Run[];
      /** The process groups of the runs this stop is about, alive or just ended: what is signalled where /proc cannot list the tree. */
      readonly groups: readonly number[];
      readonly phase: 'term' | 'kill';
      readonly after: AfterStop;
    }
  | { readonly kind: 'restarting'; readonly history: History; readonly attempt: number; readonly delayMs: number }
  | { readonly kind: 'exiting'; readonly code: number };

/** The timers the supervisor arms; a delay's timer is named by its signal, a worker's back-off by its task id. */
export type TimerName = 'timeout' | 'kill-after' | 'grace' | 'restart' | `restart:${number}` | `delay:${number}`;

/** What happens to the supervisor: from the kernel, the addon, a timer, or the supervisor's own work. */
export type Event =
  | { readonly type: 'start' }
  /** The terminal was given up for --setsid; a session leader in the foreground then gets SIGHUP and SIGCONT. */
  | { readonly type: 'terminal-released'; readonly leader: boolean }
  | { readonly type: 'spawned'; readonly taskId: number; readonly pid: number; readonly at: number }
  /** exec failed (errno: 127 or 126), or the fork itself (no errno: tsinit cannot start it). */
  | { readonly type: 'spawn-failed'; readonly taskId: number; readonly errno?: string; readonly message: string }
  | { readonly type: 'signal'; readonly signal: number }
  /** The addon's fast path forwarded `count` arrivals of `signal` by itself. */
  | { readonly type: 'forwarded'; readonly signal: number; readonly count: number }
  /** A forward that the kernel refused (EPERM: the command became setuid). */
  | { readonly type: 'forward-failed'; readonly signal: number; readonly sent: number; readonly errno: string }
  /** One SIGCHLD's worth: the children reaped, and runs a job-control signal stopped. */
  | { readonly type: 'children'; readonly exited: readonly Reaped[]; readonly stopped: readonly { pid: number; signal: number }[]; readonly at: number }
  | { readonly type: 'timer'; readonly timer: TimerName }
  /** Nothing is left of the tree being stopped (or what is left cannot be signalled). */
  | { readonly type: 'tree-empty' }
  /** tsinit itself failed (an uncaught exception, a listener that threw). */
  | { readonly type: 'failure'; readonly message: string };

/** What the driver does for the supervisor: the only way a decision reaches the kernel or the clock. */
export type Effect =
  | { readonly kind: 'become-subreaper' }
  | { readonly kind: 'set-parent-death-signal'; readonly signal: number }
  | { readonly kind: 'ignore-terminal-stops' }
  | { readonly kind: 'release-terminal' }
  | { readonly kind: 'spawn'; readonly taskId: number }
  /** To the run's group (falling back to the run alone once the group is gone), or to the run alone. */
  | { readonly kind: 'signal'; readonly pid: number; readonly signal: number; readonly group: boolean; readonly received: number }
  | { readonly kind: 'give-terminal'; readonly pgid: number }
  | { readonly kind: 'suspend-self' }
  /**
   * SIGTERM (stopped ones continued) or SIGKILL to every descendant, announced as `event` with
   * `why` and what runs; without a /proc of this namespace, to `groups` (as PID 1: to everyone).
   */
  | {
      readonly kind: 'signal-tree';
      readonly signal: number;
      readonly groups: readonly number[];
      readonly event: string;
      readonly why: string;
      readonly level: LogLevel;
      readonly fields?: Record<string, unknown>;
    }
  /** After reaps while stopping: is anything left? (in the kill phase newcomers get SIGKILL too) */
  | { readonly kind: 'check-tree'; readonly killNewcomers: boolean; readonly groups: readonly number[] }
  | { readonly kind: 'arm'; readonly timer: TimerName; readonly ms: number }
  | { readonly kind: 'cancel'; readonly timer: TimerName }
  | { readonly kind: 'arm-fast-path'; readonly plan: FastPathPlan }
  | { readonly kind: 'disarm-fast-path' }
  | { readonly kind: 'log'; readonly level: LogLevel; readonly event: string; readonly message: string; readonly fields?: Record<string, unknown> }
  | { readonly kind: 'exit'; readonly code: number };
