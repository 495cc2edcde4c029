import type { Reaped } from '../platform/native';
import { exitCodeOf } from './exit-policy';
import { describeEnd, type Policy } from './policy';
import { nextRestart, restartsLeft, restartWanted, type EndedRun } from './restart-policy';
import { armFastPath, type Up } from './running';
import type { Effect, FailedWorker, Run } from './state';
import { log, type Step } from './step';
import { stopTree } from './stop';

// A pool (--workers) as tornado's fork_processes runs one: a worker that ends abnormally starts
// again alone, with its task id, after its own back-off, from one budget for all; one that exits
// 0 is done; the pool ends when every task id is done, or when a failure finds the budget spent.
// Part of dispatch (dispatch.ts, endings.ts): these only decide, for the states where runs are up.

/** A worker ended: restarted after its back-off, done, or (a failure with the budget spent) the pool's end. */
export function onWorkerEnded(state: Up, run: Run, status: Reaped, at: number, policy: Policy, effects: Effect[]): Step {
  const code = exitCodeOf(status, policy.settings.remapToZero);
  const up: Up = { ...state, runs: state.runs.filter((other) => other !== run) };
  const ended = describeEnd(status, policy);
  if (restartWanted(policy.settings.restart, state.history, run, status, code)) {
    const signal = status.signal === null ? null : policy.signalName(status.signal);
    return restartWorker(up, run.taskId, code, ended, { pid: run.pid, exitCode: status.exitCode, signal }, at - run.startedAt, policy, effects);
  }
  const failed = status.signal !== null || code !== 0;
  if (failed && budgetSpent(state, policy)) return tooManyRestarts(up, { taskId: run.taskId, code, ended, pid: run.pid }, policy, effects, [run.pid]);
  return taskDone(up, run.taskId, code, policy, effects, [run.pid]);
}

/** A worker's restart could not start (pids.max, an exec failure): a failed attempt of its own. */
export function onWorkerStartFailed(state: Up, taskId: number, code: number, why: string, exitCode: number | null, policy: Policy, effects: Effect[]): Step {
  if (restartsLeft(policy.settings.restart, state.history)) return restartWorker(state, taskId, code, why, { pid: null, exitCode, signal: null }, 0, policy, effects);
  return tooManyRestarts(state, { taskId, code, ended: why, pid: null }, policy, effects, []);
}

/** A worker's back-off is over: it starts again with its id, drawing on the budget; spent, the pool's end. */
export function onWorkerRestartDue(state: Up, taskId: number, policy: Policy): Step {
  const worker = state.pool.backingOff.find((candidate) => candidate.taskId === taskId);
  if (worker === undefined) return [state, []];
  const up: Up = { ...state, pool: { ...state.pool, backingOff: state.pool.backingOff.filter((other) => other !== worker) } };
  if (!restartsLeft(policy.settings.restart, state.history)) return tooManyRestarts(up, worker, policy, [], []);
  return [{ ...up, history: { ...up.history, restarts: up.history.restarts + 1 } }, [{ kind: 'spawn', taskId }]];
}

/** A SIGTERM or SIGINT ends the pool: a worker in its back-off is not started again; done, as if that signal had killed it. */
export function endRestarts(state: Up, signal: number, policy: Policy): Step {
  const { backingOff, finished } = state.pool;
  if (backingOff.length === 0) return [state, []];
  const name = policy.signalName(signal);
  const cancelled = backingOff.flatMap(({ taskId }): Effect[] => [
    { kind: 'cancel', timer: `restart:${taskId}` },
    log('info', 'restart-cancelled', `${name} during its back-off: ${policy.command[0]} (task ${taskId}) is not started again`, { signal: name, taskId }),
  ]);
  const ended = backingOff.map(({ taskId }) => ({ taskId, code: exitCodeOf({ exitCode: null, signal }, policy.settings.remapToZero) }));
  const up: Up = { ...state, pool: { backingOff: [], finished: [...finished, ...ended] } };
  return whenAllDone(up, cancelled, policy, []);
}

// A failure that the budget could have restarted, had it not been spent (not after a SIGTERM,
// nor a signal tsinit sent, nor under --restart no).
function budgetSpent(state: Up, policy: Policy): boolean {
  const { when, max } = policy.settings.restart;
  return when !== 'no' && !state.history.ending && state.history.restarts >= max;
}

function restartWorker(state: Up, taskId: number, code: number, what: string, status: EndedRun, upMs: number, policy: Policy, effects: Effect[]): Step {
  const { delayMs, history, announce } = nextRestart(state.history, taskId, what, status, upMs, policy, state.pool.backingOff.length);
  const up: Up = { ...state, history, pool: { ...state.pool, backingOff: [...state.pool.backingOff, { taskId, code, ended: what, pid: status.pid }] } };
  return [up, [...effects, announce, { kind: 'arm', timer: `restart:${taskId}`, ms: delayMs }, ...rearm(up, policy)]];
}

// tornado's "too many child restarts": the others are stopped, and the code is this worker's.
function tooManyRestarts(state: Up, { taskId, code, ended: what, pid }: FailedWorker, policy: Policy, effects: Effect[], ended: number[]): Step {
  const file = policy.command[0];
  const { max } = policy.settings.restart;
  const task = pid === null ? `task ${taskId}` : `task ${taskId}, pid ${pid}`;
  const warning = log('warn', 'too-many-restarts', `${file} (${task}) ${what}: too many child restarts (${max} made); stopping the others`, { taskId, pid, exitCode: code, restarts: max });
  const up: Up = { ...state, history: { ...state.history, code, ending: true } };
  return stopTree(up, `${file} (task ${taskId}) failed with its restarts spent`, [...effects, warning], policy, ended);
}

// A task id is done: the pool goes on with the others, or ends when none is left to run.
function taskDone(state: Up, taskId: number, code: number, policy: Policy, effects: Effect[], ended: number[]): Step {
  const up: Up = { ...state, pool: { ...state.pool, finished: [...state.pool.finished, { taskId, code }] } };
  return whenAllDone(up, [...effects, ...rearm(up, policy)], policy, ended);
}

// Every task id done: 0 if each last run exited 0, else the last failure's code; what is left of
// the tree is stopped first, as after one command.
function whenAllDone(state: Up, effects: Effect[], policy: Policy, ended: number[]): Step {
  if (state.runs.length > 0 || state.pool.backingOff.length > 0) return [state, effects];
  const failure = [...state.pool.finished].reverse().find((worker) => worker.code !== 0);
  const up: Up = { ...state, history: { ...state.history, code: failure?.code ?? 0 } };
  return stopTree(up, `${policy.command[0]}: every worker is done`, effects, policy, ended);
}

// The addon dropped its plan when it saw a worker end: the others' forwards are its again.
function rearm(state: Up, policy: Policy): Effect[] {
  return state.runs.length === 0 ? [] : [armFastPath(state.runs, state.history, policy)];
}
