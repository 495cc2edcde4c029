import { SIGCONT, SIGHUP, SIGKILL } from '../platform/signals';
import { onChildren, onFailure, onTimer, onTreeEmpty, scheduleRestart } from './endings';
import { execFailureCode, exitCodeOf, INIT_FAILURE_EXIT_CODE } from './exit-policy';
import { restartsLeft } from './restart-policy';
import type { Policy } from './policy';
import { endRestarts, onWorkerStartFailed } from './pool';
import { armFastPath, forwardToRuns, onSignalWhileRunning, recordForwards } from './running';
import { decideSignal } from './signal-policy';
import type { Effect, Event, Run, State } from './state';
import { andThen, log, type Step } from './step';
import { exit, stopTree } from './stop';

/** Where the supervisor begins: nothing spawned, nothing restarted, no code yet. */
export function initialState(): State {
  return { kind: 'starting', history: { restarts: 0, backoffSteps: {}, ending: false, code: 0, swallow: [] } };
}

/**
 * The supervisor's whole life as one pure function, as tini's main loop and dumb-init's
 * handle_signal: every event meets every state here, and each acts only where it means something.
 */
export function dispatch(state: State, event: Event, policy: Policy): Step {
  switch (event.type) {
    case 'start':
      return state.kind === 'starting' ? [state, startEffects(policy)] : [state, []];
    case 'terminal-released':
      // A session leader in the foreground that gives up its terminal gets SIGHUP and SIGCONT.
      return state.kind === 'starting' && event.leader ? [{ ...state, history: { ...state.history, swallow: [SIGHUP, SIGCONT] } }, []] : [state, []];
    case 'spawned':
      return onSpawned(state, { taskId: event.taskId, pid: event.pid, startedAt: event.at, sent: [] }, policy);
    case 'spawn-failed':
      return onSpawnFailed(state, event, policy);
    case 'signal':
      return onSignal(state, event.signal, policy);
    case 'forwarded':
      return onForwarded(state, event.signal, event.count, policy);
    case 'forward-failed': {
      const as = event.sent === event.signal ? '' : ` as ${policy.signalName(event.sent)}`;
      const message = `cannot forward ${policy.signalName(event.signal)}${as} to ${policy.command[0]}: ${event.errno}`;
      return [state, [log('warn', 'forward-failed', message, { signal: policy.signalName(event.signal), errno: event.errno })]];
    }
    case 'children':
      return onChildren(state, event, policy);
    case 'timer':
      return onTimer(state, event.timer, policy);
    case 'tree-empty':
      return onTreeEmpty(state, policy);
    case 'failure':
      return onFailure(state, event.message, policy);
  }
}

function startEffects(policy: Policy): Effect[] {
  const { settings, facts } = policy;
  const effects: Effect[] = [];
  if (settings.parentDeathSignal !== undefined) effects.push({ kind: 'set-parent-death-signal', signal: settings.parentDeathSignal });
  if (policy.pid !== 1 || settings.subreaper) {
    const where = policy.pid === 1 ? 'PID 1' : `not PID 1 (pid ${policy.pid})`;
    effects.push({ kind: 'become-subreaper' }, log('info', 'subreaper', `${where}: registered as child subreaper, so orphans are reaped here`));
  }
  const { workers, listen } = settings;
  if (workers !== undefined) effects.push(log('info', 'workers', `${workers.count} workers (${workers.from})`, { workers: workers.count, from: workers.from }));
  listen.forEach((address, index) => effects.push(log('info', 'listening', `listening on ${address.text} as fd ${3 + index} (${address.name})`, { address: address.text, fd: 3 + index, name: address.name })));
  // As tini: tsinit's own write to a terminal that the command owns (`stty tostop`) must go through.
  effects.push({ kind: 'ignore-terminal-stops' });
  // In a session of its own, the command can take the terminal only once tsinit lets it go.
  if (settings.newSession && facts.foreground) effects.push({ kind: 'release-terminal' });
  return [...effects, ...policy.taskIds.map((taskId): Effect => ({ kind: 'spawn', taskId }))];
}

function onSpawned(state: State, run: Run, policy: Policy): Step {
  const task = policy.pool ? ` (task ${run.taskId})` : '';
  const spawned = log('info', 'spawned', `spawned ${policy.command.join(' ')} as pid ${run.pid}${task}`, { pid: run.pid, command: policy.command, taskId: run.taskId });
  switch (state.kind) {
    case 'starting':
    case 'restarting': {
      const history = state.kind === 'restarting' ? { ...state.history, restarts: state.attempt } : state.history;
      const running: State = { kind: 'running', history, runs: [run], pool: { backingOff: [], finished: [] }, heldOnce: [], killAfterArmed: false };
      const timeout = policy.settings.timeoutMs;
      const timer: Effect[] = state.kind === 'starting' && timeout !== undefined ? [{ kind: 'arm', timer: 'timeout', ms: timeout }] : [];
      return [running, [spawned, ...timer, armFastPath(running.runs, history, policy)]];
    }
    case 'running':
    case 'delaying':
    case 'stopping': {
      // Another worker of the pool (stopping: the tree stop finds it).
      const runs = [...state.runs, run];
      return [{ ...state, runs }, state.kind === 'stopping' ? [spawned] : [spawned, armFastPath(runs, state.history, policy)]];
    }
    case 'exiting': // too late to run: it must not outlive tsinit
      return [state, [{ kind: 'signal', pid: run.pid, signal: SIGKILL, group: true, received: SIGKILL }]];
  }
}

// exec failed (127, 126, as a shell's child would exit, -e applied as tini does), or the fork
// itself (1: tsinit cannot start it). Starting again, the failure is a failed run: the back-off
// and the budget apply (pids.max may have room again), and a fork failure leaves the last code.
function onSpawnFailed(state: State, event: Extract<Event, { type: 'spawn-failed' }>, policy: Policy): Step {
  const file = policy.command[0];
  const execCode = event.errno === undefined ? undefined : execFailureCode(event.errno);
  const code = execCode === undefined ? INIT_FAILURE_EXIT_CODE : exitCodeOf({ exitCode: execCode, signal: null }, policy.settings.remapToZero);
  const failed =
    event.errno === undefined
      ? log('error', 'spawn-failed', `cannot start ${file}: ${event.message}`)
      : log('error', 'exec-failed', `${file || "''"}: ${execCode === 127 ? 'command not found' : 'cannot execute'} (${event.errno})`, { errno: event.errno });
  switch (state.kind) {
    case 'starting':
      return exit(code, [failed]);
    case 'restarting': {
      const history = { ...state.history, restarts: state.attempt, code: execCode === undefined ? state.history.code : code };
      if (!restartsLeft(policy.settings.restart, history)) return exit(history.code, [failed]);
      return scheduleRestart(history, `could not start (${event.errno ?? event.message})`, { pid: null, exitCode: execCode ?? null, signal: null }, 0, policy, [failed]);
    }
    case 'running':
    case 'delaying':
      if (policy.pool) return onWorkerStartFailed(state, event.taskId, code, `could not start (${event.errno ?? event.message})`, execCode ?? null, policy, [failed]);
      return stopTree({ ...state, history: { ...state.history, code, ending: true } }, `${file} could not start`, [failed], policy);
    case 'stopping':
      return [{ ...state, history: { ...state.history, code } }, [failed]];
    case 'exiting':
      return [state, [failed]];
  }
}

function onSignal(state: State, signal: number, policy: Policy): Step {
  if (state.kind === 'exiting' || state.kind === 'starting') return [state, []]; // starting: the intake holds signals until the spawn
  const { history } = state;
  if (history.swallow.includes(signal)) return [{ ...state, history: { ...history, swallow: history.swallow.filter((s) => s !== signal) } }, []];
  const verdict = decideSignal(signal, policy.settings, policy.facts);
  const ending = verdict.ends ? { ...history, ending: true } : history;
  switch (state.kind) {
    case 'running':
    case 'delaying': {
      const step = onSignalWhileRunning({ ...state, history: ending }, signal, verdict, policy);
      // A pool's end: the workers in their back-off are not started again.
      return verdict.ends && policy.pool ? andThen(step, [], (next) => (next.kind === 'running' || next.kind === 'delaying' ? endRestarts(next, signal, policy) : [next, []])) : step;
    }
    case 'stopping': {
      // The runs still alive hear it at once, a second SIGTERM or ^C included; --delay is over.
      const [runs, effects] = forwardToRuns(state.runs, signal, verdict, policy);
      const told = effects.length > 0 ? effects : [notForwarded(signal, policy)];
      if (verdict.ends && state.after.kind === 'restart' && !history.ending) told.push(restartCancelled(signal, 'while what it left is stopped', policy));
      return [{ ...state, history: ending, runs }, told];
    }
    case 'restarting': {
      if (!verdict.ends) return [state, [notForwarded(signal, policy)]];
      return exit(history.code, [{ kind: 'cancel', timer: 'restart' }, restartCancelled(signal, 'during the back-off', policy)]);
    }
  }
}

function onForwarded(state: State, signal: number, count: number, policy: Policy): Step {
  const verdict = decideSignal(signal, policy.settings, policy.facts);
  if (state.kind === 'running' || state.kind === 'delaying' || state.kind === 'stopping') {
    const [runs, effects] = recordForwards(state.runs, signal, verdict, count, policy);
    return [{ ...state, runs }, effects];
  }
  return [state, []];
}

function restartCancelled(signal: number, when: string, policy: Policy): Effect {
  const name = policy.signalName(signal);
  return log('info', 'restart-cancelled', `${name} ${when}: ${policy.command[0]} is not started again`, { signal: name });
}

function notForwarded(signal: number, policy: Policy): Effect {
  const name = policy.signalName(signal);
  return log('debug', 'signal-not-forwarded', `${name} not forwarded: ${policy.command[0]} is not running`, { signal: name });
}

