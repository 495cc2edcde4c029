import type { Reaped } from '../platform/native';
import { pidAndName } from '../platform/process-tree';
import { SIGKILL, SIGTSTP, SIGTTIN, SIGTTOU } from '../platform/signals';
import { exitCodeOf, INIT_FAILURE_EXIT_CODE, TIMEOUT_EXIT_CODE } from './exit-policy';
import { describeEnd, type Policy } from './policy';
import { onWorkerEnded, onWorkerRestartDue } from './pool';
import { nextRestart, restartWanted, type EndedRun } from './restart-policy';
import { onHoldOver } from './running';
import type { Effect, Event, History, Run, State, TimerName } from './state';
import { andThen, log, type Step } from './step';
import { announce, beginStop, cancelRunTimers, exit, stopTree } from './stop';

// How runs end and what follows: reaped children, the timers, the tree's stop, the back-off, a
// failure of tsinit, the exit. Part of dispatch (dispatch.ts), split off for its length.

// The signals a terminal's job control stops a process with (Ctrl-Z, background reads and writes).
const JOB_CONTROL_STOPS = [SIGTSTP, SIGTTIN, SIGTTOU];

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
  const task = policy.pool ? ` (task ${run.taskId}, pid ${run.pid})` : ` (pid ${run.pid})`;
  const exited = log('info', 'child-exited', `${file}${task} ${ended}`, { ...status, taskId: run.taskId });
  const runs = (state as { runs: readonly Run[] }).runs.filter((other) => other !== run);
  if (state.kind !== 'running' && state.kind !== 'delaying') return [{ ...state, runs } as State, [exited]]; // stopping: its code stands
  if (policy.pool) return onWorkerEnded(state, run, status, at, policy, [exited]);
  const code = exitCodeOf(status, policy.settings.remapToZero);
  const history: History = { ...state.history, code };
  if (restartWanted(policy.settings.restart, state.history, run, status, code)) {
    const quiet = cancelRunTimers(state, policy);
    const groups = [run.pid, ...runs.map((other) => other.pid)];
    const stopping: State = { kind: 'stopping', history, runs, groups, phase: 'term', after: { kind: 'restart', status, upMs: at - run.startedAt } };
    return beginStop(stopping, announce(`${file} exited; before it starts again`), policy, [exited, ...quiet]);
  }
  return stopTree({ ...state, history, runs }, `${file} exited`, [exited], policy, [run.pid]);
}

/** A timer fired: --delay's, --kill-after, --timeout, the grace, the back-off; each only where it means something. */
export function onTimer(state: State, timer: TimerName, policy: Policy): Step {
  const up = state.kind === 'running' || state.kind === 'delaying';
  if (timer.startsWith('delay:')) return state.kind === 'delaying' ? onHoldOver(state, Number(timer.slice('delay:'.length)), policy) : [state, []];
  if (timer.startsWith('restart:')) return up ? onWorkerRestartDue(state, Number(timer.slice('restart:'.length)), policy) : [state, []];
  const file = policy.command[0];
  switch (timer as Exclude<TimerName, `delay:${number}` | `restart:${number}`>) {
    case 'timeout': {
      const since = 'history' in state && state.history.restarts > 0 ? ' since its first start' : '';
      const why = `${file} ran longer than ${policy.settings.timeoutMs} ms${since} (--timeout); exiting with code ${TIMEOUT_EXIT_CODE}`;
      const fields = { timeoutMs: policy.settings.timeoutMs };
      const warn = log('warn', 'timeout', why, fields);
      if (state.kind === 'restarting') return exit(TIMEOUT_EXIT_CODE, [{ kind: 'cancel', timer: 'restart' }, warn]);
      if (state.kind === 'stopping' && state.after.kind === 'restart') {
        return [{ ...state, history: { ...state.history, code: TIMEOUT_EXIT_CODE, ending: true }, after: { kind: 'exit' } }, [warn]];
      }
      if (!up) return [state, []]; // the command ended in time: its code stands
      const history = { ...state.history, code: TIMEOUT_EXIT_CODE, ending: true };
      const stopping: State = { kind: 'stopping', history, runs: state.runs, groups: state.runs.map((run) => run.pid), phase: 'term', after: { kind: 'exit' } };
      return beginStop(stopping, { event: 'timeout', why, level: 'warn', fields }, policy, cancelRunTimers(state, policy));
    }
    case 'kill-after': {
      if (!up) return [state, []];
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
  return scheduleRestart(history, describeEnd(after.status, policy), { pid: after.status.pid, exitCode: after.status.exitCode, signal }, after.upMs, policy, [cancel]);
}

/**
 * The back-off before the next start, announced as a warning (`what` says how the last run
 * went) and emitted as the API's `restart` event; `upMs`, how long that run stayed up.
 */
export function scheduleRestart(history: History, what: string, status: EndedRun, upMs: number, policy: Policy, effects: Effect[]): Step {
  const { attempt, delayMs, history: next, announce } = nextRestart(history, 0, what, status, upMs, policy);
  const restarting: State = { kind: 'restarting', history: next, attempt, delayMs };
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
      return stopTree({ ...state, history: { ...state.history, code: INIT_FAILURE_EXIT_CODE, ending: true } }, 'tsinit failed', [fatal], policy);
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
