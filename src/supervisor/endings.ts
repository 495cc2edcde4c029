import type { Reaped } from '../platform/native';
import { pidAndName } from '../platform/process-tree';
import { SIGKILL, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU } from '../platform/signals';
import { exitCodeOf, INIT_FAILURE_EXIT_CODE, TIMEOUT_EXIT_CODE } from './exit-policy';
import { describeEnd, type Policy } from './policy';
import { backoff, restartWanted } from './restart-policy';
import { onHoldOver, type Up } from './running';
import type { Effect, Event, History, Run, State, TimerName } from './state';
import { andThen, log, type Step } from './step';

// How runs end and what follows: reaped children, the timers, the tree's stop, the back-off, a
// failure of tsinit, the exit. Part of dispatch (dispatch.ts), split off for its length.

// The signals a terminal's job control stops a process with (Ctrl-Z, background reads and writes).
const JOB_CONTROL_STOPS = [SIGTSTP, SIGTTIN, SIGTTOU];

// How a stop of the tree is announced: why, and as which event at which level.
type Announcement = Pick<Extract<Effect, { kind: 'signal-tree' }>, 'event' | 'why' | 'level' | 'fields'>;

/** One SIGCHLD's worth: each child reaped (a run's end, an orphan, a leftover), then job-control stops. */
export function onChildren(state: State, event: Extract<Event, { type: 'children' }>, policy: Policy): Step {
  let step: Step = [state, []];
  for (const status of event.exited) step = andThen(step, [], (next) => onExited(next, status, event.at, policy));
  const [after, effects] = step;
  const more: Effect[] = [];
  if (after.kind === 'stopping' && event.exited.length > 0) more.push({ kind: 'check-tree', killNewcomers: after.phase === 'kill', groups: after.groups });
  if (after.kind === 'running' || after.kind === 'delaying') more.push(...jobControl(after.runs, event.stopped, policy));
  return [after, [...effects, ...more]];
}

// Job control, as under a shell: when Ctrl-Z stopped the command, tsinit stops too, so the shell
// above takes the terminal back; its `fg` continues tsinit, whose SIGCONT gives the command the
// terminal. A SIGSTOP from elsewhere is no job control. PID 1 cannot be stopped.
function jobControl(runs: readonly Run[], stopped: readonly { pid: number; signal: number }[], policy: Policy): Effect[] {
  const suspends = stopped.some(({ pid, signal }) => runs.some((run) => run.pid === pid) && JOB_CONTROL_STOPS.includes(signal));
  if (!suspends || policy.pid === 1) return [];
  return [log('info', 'suspended', `${policy.command[0]} stopped: suspending tsinit too`), { kind: 'suspend-self' }];
}

function onExited(state: State, status: Reaped, at: number, policy: Policy): Step {
  const file = policy.command[0];
  const run = 'runs' in state ? state.runs.find((candidate) => candidate.pid === status.pid) : undefined;
  const ended = describeEnd(status, policy);
  if (run === undefined) {
    if (state.kind === 'exiting') return [state, []];
    if (state.kind === 'stopping') return [state, [log('info', 'leftover-ended', `leftover ${pidAndName(status.pid, status.name)} ${ended}`, { ...status })]];
    return [state, [log(policy.orphanLevel, 'orphan-reaped', `reaped orphan ${pidAndName(status.pid, status.name)}, ${ended}`, { ...status })]];
  }
  const exited = log('info', 'child-exited', `${file} (pid ${run.pid}) ${ended}`, { ...status });
  const runs = (state as { runs: readonly Run[] }).runs.filter((other) => other !== run);
  if (state.kind !== 'running' && state.kind !== 'delaying') return [{ ...state, runs } as State, [exited]]; // stopping: its code stands
  const code = exitCodeOf(status, policy.settings.remapToZero);
  const history: History = { ...state.history, code };
  const quiet = cancelRunTimers(state, policy);
  if (restartWanted(policy.settings.restart, state.history, run, status, code)) {
    const groups = [run.pid, ...runs.map((other) => other.pid)];
    const stopping: State = { kind: 'stopping', history, runs, groups, phase: 'term', after: { kind: 'restart', status, upMs: at - run.startedAt } };
    return beginStop(stopping, announce(`${file} exited; before it starts again`), policy, [exited, ...quiet]);
  }
  return stopTree({ ...state, history, runs }, `${file} exited`, [exited, ...quiet], policy, [run.pid]);
}

/** A timer fired: --delay's, --kill-after, --timeout, the grace, the back-off; each only where it means something. */
export function onTimer(state: State, timer: TimerName, policy: Policy): Step {
  if (timer.startsWith('delay:')) return state.kind === 'delaying' ? onHoldOver(state, Number(timer.slice('delay:'.length)), policy) : [state, []];
  const file = policy.command[0];
  switch (timer as Exclude<TimerName, `delay:${number}`>) {
    case 'timeout': {
      const since = 'history' in state && state.history.restarts > 0 ? ' since its first start' : '';
      const why = `${file} ran longer than ${policy.settings.timeoutMs} ms${since} (--timeout); exiting with code ${TIMEOUT_EXIT_CODE}`;
      const fields = { timeoutMs: policy.settings.timeoutMs };
      const warn = log('warn', 'timeout', why, fields);
      if (state.kind === 'restarting') return exit(TIMEOUT_EXIT_CODE, [{ kind: 'cancel', timer: 'restart' }, warn]);
      if (state.kind === 'stopping' && state.after.kind === 'restart') {
        return [{ ...state, history: { ...state.history, code: TIMEOUT_EXIT_CODE, ending: true }, after: { kind: 'exit' } }, [warn]];
      }
      if (state.kind !== 'running' && state.kind !== 'delaying') return [state, []]; // the command ended in time: its code stands
      const history = { ...state.history, code: TIMEOUT_EXIT_CODE, ending: true };
      const stopping: State = { kind: 'stopping', history, runs: state.runs, groups: state.runs.map((run) => run.pid), phase: 'term', after: { kind: 'exit' } };
      return beginStop(stopping, { event: 'timeout', why, level: 'warn', fields }, policy, cancelRunTimers(state, policy));
    }
    case 'kill-after': {
      if (state.kind !== 'running' && state.kind !== 'delaying') return [state, []];
      const effects: Effect[] = [];
      for (const run of state.runs) {
        effects.push(log('warn', 'kill-after', `${file} still running ${policy.settings.killAfterMs} ms after SIGTERM/SIGINT: SIGKILL to group ${run.pid}`));
        effects.push({ kind: 'signal', pid: run.pid, signal: SIGKILL, group: true, received: SIGKILL });
      }
      const runs = state.runs.map((run) => ({ ...run, sent: [...run.sent, SIGKILL] })); // tsinit's own doing: no failure to restart after
      return [{ ...state, runs }, effects];
    }
    case 'grace':
      if (state.kind !== 'stopping' || state.phase !== 'term') return [state, []];
      return [{ ...state, phase: 'kill' }, [{ kind: 'signal-tree', signal: SIGKILL, groups: state.groups, event: 'grace-over', why: `grace of ${policy.settings.graceMs} ms over`, level: 'warn' }]];
    case 'restart':
      return state.kind === 'restarting' ? [state, policy.taskIds.map((taskId): Effect => ({ kind: 'spawn', taskId }))] : [state, []];
  }
}

/** Nothing is left of the tree being stopped: the exit, or the back-off before a restart. */
export function onTreeEmpty(state: State, policy: Policy): Step {
  if (state.kind !== 'stopping') return [state, []];
  const { history, after } = state;
  const cancel: Effect = { kind: 'cancel', timer: 'grace' };
  if (after.kind === 'exit' || history.ending) return exit(history.code, [cancel]);
  const signal = after.status.signal === null ? null : policy.signalName(after.status.signal);
  return scheduleRestart(history, describeEnd(after.status, policy), { exitCode: after.status.exitCode, signal }, after.upMs, policy, [cancel]);
}

/**
 * The back-off before the next start, announced as a warning (`what` says how the last run
 * went) and emitted as the API's `restart` event; `upMs`, how long that run stayed up.
 */
export function scheduleRestart(history: History, what: string, status: { exitCode: number | null; signal: string | null }, upMs: number, policy: Policy, effects: Effect[]): Step {
  const { delayMs, steps } = backoff(history.backoffSteps, upMs);
  const attempt = history.restarts + 1;
  const { max } = policy.settings.restart;
  const of = Number.isFinite(max) ? ` of ${max}` : '';
  const announce = log('warn', 'restart', `${policy.command[0]} ${what}; restart ${attempt}${of} in ${delayMs} ms`, { attempt, delayMs, ...status });
  const restarting: State = { kind: 'restarting', history: { ...history, backoffSteps: steps }, attempt, delayMs };
  return [restarting, [...effects, announce, { kind: 'arm', timer: 'restart', ms: delayMs }]];
}

/** tsinit itself failed: one error line, and an end in every state, never a hang. */
export function onFailure(state: State, message: string, policy: Policy): Step {
  const fatal = log('error', 'fatal', `internal error: ${message}`);
  switch (state.kind) {
    case 'starting':
    case 'restarting':
      return exit(INIT_FAILURE_EXIT_CODE, [fatal, { kind: 'cancel', timer: 'restart' }]);
    case 'running':
    case 'delaying':
      return stopTree({ ...state, history: { ...state.history, code: INIT_FAILURE_EXIT_CODE, ending: true } }, 'tsinit failed', [fatal, ...cancelRunTimers(state, policy)], policy);
    case 'stopping': {
      // The stop itself may be what failed: no second grace, SIGKILL now, or out if that was done.
      const history = { ...state.history, code: INIT_FAILURE_EXIT_CODE, ending: true };
      if (state.phase === 'kill') return exit(INIT_FAILURE_EXIT_CODE, [fatal]);
      const kill: Effect = { kind: 'signal-tree', signal: SIGKILL, groups: state.groups, event: 'shutdown', why: 'tsinit failed', level: 'warn' };
      return [{ ...state, history, phase: 'kill', after: { kind: 'exit' } }, [fatal, { kind: 'cancel', timer: 'grace' }, kill]];
    }
    case 'exiting':
      return [state, [fatal]];
  }
}

/**
 * The tree is stopped around the runs still alive, or after the last one ended. With no grace:
 * once the command has ended tsinit exits at once, as tini does (as PID 1 the kernel then kills
 * the rest); a command still alive (tsinit failed) gets SIGKILL first, never left running.
 */
export function stopTree(state: Up, why: string, effects: Effect[], policy: Policy, ended: number[] = []): Step {
  if (policy.settings.graceMs === 0 && state.runs.length === 0) return exit(state.history.code, [{ kind: 'disarm-fast-path' }, ...effects]);
  const groups = [...ended, ...state.runs.map((run) => run.pid)];
  const stopping: State = { kind: 'stopping', history: state.history, runs: state.runs, groups, phase: 'term', after: { kind: 'exit' } };
  return beginStop(stopping, announce(why), policy, effects);
}

function announce(why: string): Announcement {
  return { event: 'shutdown', why, level: 'info' };
}

// SIGTERM to the whole tree and the grace armed; with no grace (when the tree must go all the
// same: the timeout, a restart), SIGKILL at once.
function beginStop(state: Extract<State, { kind: 'stopping' }>, announcement: Announcement, policy: Policy, effects: Effect[]): Step {
  const { graceMs } = policy.settings;
  const disarm: Effect = { kind: 'disarm-fast-path' };
  const { groups } = state;
  if (graceMs === 0) return [{ ...state, phase: 'kill' }, [...effects, disarm, { kind: 'signal-tree', signal: SIGKILL, groups, ...announcement }]];
  return [state, [...effects, disarm, { kind: 'arm', timer: 'grace', ms: graceMs }, { kind: 'signal-tree', signal: SIGTERM, groups, ...announcement }]];
}

/** The code is known: logged, then the driver's exit. */
export function exit(code: number, effects: Effect[]): Step {
  return [{ kind: 'exiting', code }, [...effects, log('info', 'exit', `exiting with code ${code}`, { exitCode: code }), { kind: 'exit', code }]];
}

// A run's own timers (--kill-after, --delay's holds) mean nothing once it is gone or stopped.
function cancelRunTimers(state: Up, policy: Policy): Effect[] {
  const held = (state.kind === 'delaying' ? state.held : []).flatMap(({ signal }): Effect[] => {
    const name = policy.signalName(signal);
    return [{ kind: 'cancel', timer: `delay:${signal}` }, log('info', 'signal-dropped', `${name} held by --delay not forwarded: its run ended or is stopped`, { signal: name })];
  });
  return [...(state.killAfterArmed ? [{ kind: 'cancel', timer: 'kill-after' } as const] : []), ...held];
}
