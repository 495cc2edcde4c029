import type { Reaped } from '../platform/native';
import { SIGCONT, SIGHUP, SIGKILL, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU } from '../platform/signals';
import { execFailureCode, exitCodeOf, INIT_FAILURE_EXIT_CODE, TIMEOUT_EXIT_CODE } from './exit-policy';
import { pidAndName } from '../platform/process-tree';
import { describeEnd, type Policy } from './policy';
import { backoff, restartWanted } from './restart-policy';
import { forwardToRuns, onHoldOver, onSignalWhileRunning, recordForwards, type Up } from './running';
import { decideSignal, fastPathPlan } from './signal-policy';
import type { Effect, Event, History, Run, State, TimerName } from './state';
import { andThen, log, type Step } from './step';

/** Where the supervisor begins: nothing spawned, nothing restarted, no code yet. */
export function initialState(): State {
  return { kind: 'starting', history: { restarts: 0, backoffSteps: 0, ending: false, code: 0, swallow: [] } };
}

// The signals a terminal's job control stops a process with (Ctrl-Z, background reads and writes).
const JOB_CONTROL_STOPS = [SIGTSTP, SIGTTIN, SIGTTOU];

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
  // As tini: tsinit's own write to a terminal that the command owns (`stty tostop`) must go through.
  effects.push({ kind: 'ignore-terminal-stops' });
  // In a session of its own, the command can take the terminal only once tsinit lets it go.
  if (settings.newSession && facts.foreground) effects.push({ kind: 'release-terminal' });
  return [...effects, ...policy.taskIds.map((taskId): Effect => ({ kind: 'spawn', taskId }))];
}

function onSpawned(state: State, run: Run, policy: Policy): Step {
  const spawned = log('info', 'spawned', `spawned ${policy.command.join(' ')} as pid ${run.pid}`, { pid: run.pid, command: policy.command });
  switch (state.kind) {
    case 'starting':
    case 'restarting': {
      const history = state.kind === 'restarting' ? { ...state.history, restarts: state.attempt } : state.history;
      const running: State = { kind: 'running', history, runs: [run], heldOnce: [], killAfterArmed: false };
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
    case 'exiting':
      return [state, []];
  }
}

function onSpawnFailed(state: State, event: Extract<Event, { type: 'spawn-failed' }>, policy: Policy): Step {
  const file = policy.command[0];
  const code = event.errno === undefined ? INIT_FAILURE_EXIT_CODE : execFailureCode(event.errno);
  const failed =
    event.errno === undefined
      ? log('error', 'spawn-failed', `cannot start ${file}: ${event.message}`)
      : log('error', 'exec-failed', `${file || "''"}: ${code === 127 ? 'command not found' : 'cannot execute'} (${event.errno})`, { errno: event.errno });
  switch (state.kind) {
    case 'starting':
    case 'restarting':
      return exit(code, [failed]);
    case 'running':
    case 'delaying':
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
    case 'delaying':
      return onSignalWhileRunning({ ...state, history: ending }, signal, verdict, policy);
    case 'stopping': {
      // The runs still alive hear it at once, a second SIGTERM or ^C included; --delay is over.
      const [runs, effects] = forwardToRuns(state.runs, signal, verdict, policy);
      return [{ ...state, history: ending, runs }, effects.length > 0 ? effects : [notForwarded(signal, policy)]];
    }
    case 'restarting': {
      if (!verdict.ends) return [state, [notForwarded(signal, policy)]];
      const name = policy.signalName(signal);
      const cancelled = log('info', 'restart-cancelled', `${name} during the back-off: ${policy.command[0]} is not started again`, { signal: name });
      return exit(history.code, [{ kind: 'cancel', timer: 'restart' }, cancelled]);
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

function onChildren(state: State, event: Extract<Event, { type: 'children' }>, policy: Policy): Step {
  let step: Step = [state, []];
  for (const status of event.exited) step = andThen(step, [], (next) => onExited(next, status, event.at, policy));
  const [after, effects] = step;
  const more: Effect[] = [];
  if (after.kind === 'stopping' && event.exited.length > 0) more.push({ kind: 'check-tree', killNewcomers: after.phase === 'kill' });
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
  const quiet = cancelRunTimers(state);
  if (restartWanted(policy.settings.restart, state.history, run, status, code)) {
    const stopping: State = { kind: 'stopping', history, runs, phase: 'term', after: { kind: 'restart', status, upMs: at - run.startedAt } };
    return beginStop(stopping, announce(`${file} exited; before it starts again`), policy, [exited, ...quiet]);
  }
  return stopTree({ ...state, history, runs }, `${file} exited`, [exited, ...quiet], policy);
}

function onTimer(state: State, timer: TimerName, policy: Policy): Step {
  if (timer.startsWith('delay:')) return state.kind === 'delaying' ? onHoldOver(state, Number(timer.slice('delay:'.length)), policy) : [state, []];
  const file = policy.command[0];
  switch (timer as Exclude<TimerName, `delay:${number}`>) {
    case 'timeout': {
      const why = `${file} ran longer than ${policy.settings.timeoutMs} ms (--timeout); exiting with code ${TIMEOUT_EXIT_CODE}`;
      const fields = { timeoutMs: policy.settings.timeoutMs };
      const warn = log('warn', 'timeout', why, fields);
      if (state.kind === 'restarting') return exit(TIMEOUT_EXIT_CODE, [{ kind: 'cancel', timer: 'restart' }, warn]);
      if (state.kind === 'stopping' && state.after.kind === 'restart') {
        return [{ ...state, history: { ...state.history, code: TIMEOUT_EXIT_CODE, ending: true }, after: { kind: 'exit' } }, [warn]];
      }
      if (state.kind !== 'running' && state.kind !== 'delaying') return [state, []]; // the command ended in time: its code stands
      const history = { ...state.history, code: TIMEOUT_EXIT_CODE, ending: true };
      const stopping: State = { kind: 'stopping', history, runs: state.runs, phase: 'term', after: { kind: 'exit' } };
      return beginStop(stopping, { event: 'timeout', why, level: 'warn', fields }, policy, cancelRunTimers(state));
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
      return [{ ...state, phase: 'kill' }, [{ kind: 'signal-tree', signal: SIGKILL, event: 'grace-over', why: `grace of ${policy.settings.graceMs} ms over`, level: 'warn' }]];
    case 'restart':
      return state.kind === 'restarting' ? [state, policy.taskIds.map((taskId): Effect => ({ kind: 'spawn', taskId }))] : [state, []];
  }
}

function onTreeEmpty(state: State, policy: Policy): Step {
  if (state.kind !== 'stopping') return [state, []];
  const { history, after } = state;
  const cancel: Effect = { kind: 'cancel', timer: 'grace' };
  if (after.kind === 'exit' || history.ending) return exit(history.code, [cancel]);
  const { delayMs, steps } = backoff(history.backoffSteps, after.upMs);
  const attempt = history.restarts + 1;
  const { max } = policy.settings.restart;
  const of = Number.isFinite(max) ? ` of ${max}` : '';
  const signal = after.status.signal === null ? null : policy.signalName(after.status.signal);
  const announce = log('warn', 'restart', `${policy.command[0]} ${describeEnd(after.status, policy)}; restart ${attempt}${of} in ${delayMs} ms`, {
    attempt,
    delayMs,
    exitCode: after.status.exitCode,
    signal,
  });
  const restarting: State = { kind: 'restarting', history: { ...history, backoffSteps: steps }, attempt, delayMs };
  return [restarting, [cancel, announce, { kind: 'arm', timer: 'restart', ms: delayMs }]];
}

function onFailure(state: State, message: string, policy: Policy): Step {
  const fatal = log('error', 'fatal', `internal error: ${message}`);
  switch (state.kind) {
    case 'starting':
    case 'restarting':
      return exit(INIT_FAILURE_EXIT_CODE, [fatal, { kind: 'cancel', timer: 'restart' }]);
    case 'running':
    case 'delaying':
      return stopTree({ ...state, history: { ...state.history, code: INIT_FAILURE_EXIT_CODE, ending: true } }, 'tsinit failed', [fatal, ...cancelRunTimers(state)], policy);
    case 'stopping': {
      // The stop itself may be what failed: no second grace, SIGKILL now, or out if that was done.
      const history = { ...state.history, code: INIT_FAILURE_EXIT_CODE, ending: true };
      if (state.phase === 'kill') return exit(INIT_FAILURE_EXIT_CODE, [fatal]);
      const kill: Effect = { kind: 'signal-tree', signal: SIGKILL, event: 'shutdown', why: 'tsinit failed', level: 'warn' };
      return [{ ...state, history, phase: 'kill', after: { kind: 'exit' } }, [fatal, { kind: 'cancel', timer: 'grace' }, kill]];
    }
    case 'exiting':
      return [state, [fatal]];
  }
}

// The command is gone for good (or must go): what is left is stopped, unless there is no grace,
// where tsinit exits at once as tini does (as PID 1 the kernel then kills the rest).
function stopTree(state: Up, why: string, effects: Effect[], policy: Policy): Step {
  if (policy.settings.graceMs === 0) return exit(state.history.code, [{ kind: 'disarm-fast-path' }, ...effects]);
  const stopping: State = { kind: 'stopping', history: state.history, runs: state.runs, phase: 'term', after: { kind: 'exit' } };
  return beginStop(stopping, announce(why), policy, effects);
}

// How a stop of the tree is announced: why, and as which event at which level.
type Announcement = Pick<Extract<Effect, { kind: 'signal-tree' }>, 'event' | 'why' | 'level' | 'fields'>;

function announce(why: string): Announcement {
  return { event: 'shutdown', why, level: 'info' };
}

// SIGTERM to the whole tree and the grace armed; with no grace (when the tree must go all the
// same: the timeout, a restart), SIGKILL at once.
function beginStop(state: Extract<State, { kind: 'stopping' }>, announcement: Announcement, policy: Policy, effects: Effect[]): Step {
  const { graceMs } = policy.settings;
  const disarm: Effect = { kind: 'disarm-fast-path' };
  if (graceMs === 0) return [{ ...state, phase: 'kill' }, [...effects, disarm, { kind: 'signal-tree', signal: SIGKILL, ...announcement }]];
  return [state, [...effects, disarm, { kind: 'arm', timer: 'grace', ms: graceMs }, { kind: 'signal-tree', signal: SIGTERM, ...announcement }]];
}

function exit(code: number, effects: Effect[]): Step {
  return [{ kind: 'exiting', code }, [...effects, log('info', 'exit', `exiting with code ${code}`, { exitCode: code }), { kind: 'exit', code }]];
}

// A run's own timers (--kill-after, --delay's holds) mean nothing once it is gone or stopped.
function cancelRunTimers(state: Up): Effect[] {
  const held = state.kind === 'delaying' ? state.held.map(({ signal }): Effect => ({ kind: 'cancel', timer: `delay:${signal}` })) : [];
  return [...(state.killAfterArmed ? [{ kind: 'cancel', timer: 'kill-after' } as const] : []), ...held];
}

function notForwarded(signal: number, policy: Policy): Effect {
  const name = policy.signalName(signal);
  return log('debug', 'signal-not-forwarded', `${name} not forwarded: ${policy.command[0]} is not running`, { signal: name });
}

// The signal policy compiled into the addon's tables for these runs.
function armFastPath(runs: readonly Run[], history: History, policy: Policy): Effect {
  const plan = fastPathPlan(policy.signals, runs.map((run) => run.pid), history.swallow, policy.settings, policy.facts, policy.fastPath);
  return { kind: 'arm-fast-path', plan };
}
