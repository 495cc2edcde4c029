import { SIGKILL, SIGTERM } from '../platform/signals';
import type { Policy } from './policy';
import type { Up } from './running';
import type { Effect, State } from './state';
import { log, type Step } from './step';

// The end of the supervision's work: the tree stopped (SIGTERM, the grace, SIGKILL), then the
// exit. Part of dispatch, shared by the ends of one command and of a pool.

/** How a stop of the tree is announced: why, and as which event at which level. */
export type Announcement = Pick<Extract<Effect, { kind: 'signal-tree' }>, 'event' | 'why' | 'level' | 'fields'>;

/**
 * The tree is stopped around the runs still alive, or after the last one ended. With no grace:
 * once the command has ended tsinit exits at once, as tini does (as PID 1 the kernel then kills
 * the rest); a command still alive (tsinit failed) gets SIGKILL first, never left running.
 */
export function stopTree(state: Up, why: string, effects: Effect[], policy: Policy, ended: number[] = []): Step {
  const quiet = [...effects, ...cancelRunTimers(state, policy)];
  if (policy.settings.graceMs === 0 && state.runs.length === 0) return exit(state.history.code, [{ kind: 'disarm-fast-path' }, ...quiet]);
  const groups = [...ended, ...state.runs.map((run) => run.pid)];
  const stopping: State = { kind: 'stopping', history: state.history, runs: state.runs, groups, phase: 'term', after: { kind: 'exit' } };
  return beginStop(stopping, announce(why), policy, quiet);
}

/** The usual announcement of a stop: `why`, as the `shutdown` event, at -v. */
export function announce(why: string): Announcement {
  return { event: 'shutdown', why, level: 'info' };
}

/**
 * SIGTERM to the whole tree and the grace armed; with no grace (when the tree must go all the
 * same: the timeout, a restart), SIGKILL at once.
 */
export function beginStop(state: Extract<State, { kind: 'stopping' }>, announcement: Announcement, policy: Policy, effects: Effect[]): Step {
  const { graceMs } = policy.settings;
  const disarm: Effect = { kind: 'disarm-fast-path' };
  const { groups } = state;
  if (graceMs === 0) return [{ ...state, phase: 'kill' }, [...effects, disarm, { kind: 'signal-tree', signal: SIGKILL, groups, ...announcement }]];
  return [state, [...effects, disarm, { kind: 'arm', timer: 'grace', ms: graceMs }, { kind: 'signal-tree', signal: SIGTERM, groups, ...announcement }]];
}

/** The timers of the runs (--kill-after, --delay's holds, the workers' back-offs) mean nothing once they are stopped. */
export function cancelRunTimers(state: Up, policy: Policy): Effect[] {
  const held = (state.kind === 'delaying' ? state.held : []).flatMap(({ signal }): Effect[] => {
    const name = policy.signalName(signal);
    return [{ kind: 'cancel', timer: `delay:${signal}` }, log('info', 'signal-dropped', `${name} held by --delay not forwarded: its run ended or is stopped`, { signal: name })];
  });
  const backoffs = state.pool.backingOff.map(({ taskId }): Effect => ({ kind: 'cancel', timer: `restart:${taskId}` }));
  return [...(state.killAfterArmed ? [{ kind: 'cancel', timer: 'kill-after' } as const] : []), ...held, ...backoffs];
}

/** The code is known: logged, then the driver's exit. */
export function exit(code: number, effects: Effect[]): Step {
  return [{ kind: 'exiting', code }, [...effects, log('info', 'exit', `exiting with code ${code}`, { exitCode: code }), { kind: 'exit', code }]];
}
