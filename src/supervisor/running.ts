import type { Policy } from './policy';
import { decideSignal, fastPathPlan, type Verdict } from './signal-policy';
import type { Effect, History, Run, State } from './state';
import { andThen, log, type Step } from './step';

/** The states in which the runs are up and signals are theirs. */
export type Up = Extract<State, { kind: 'running' | 'delaying' }>;

/** The signal policy compiled into the addon's tables for these runs (armed again whenever the runs change). */
export function armFastPath(runs: readonly Run[], history: History, policy: Policy): Effect {
  const plan = fastPathPlan(policy.signals, runs.map((run) => run.pid), history.swallow, policy.settings, policy.facts, policy.fastPath);
  return { kind: 'arm-fast-path', plan };
}

/**
 * A signal while the runs are up: held first if --delay says so (its first arrival in a run),
 * then forwarded; a second arrival of a held signal, or a SIGINT, forwards what is held at once.
 */
export function onSignalWhileRunning(state: Up, signal: number, verdict: Verdict, policy: Policy): Step {
  const held = state.kind === 'delaying' ? state.held : [];
  const again = held.some((hold) => hold.signal === signal);
  if (again || (held.length > 0 && verdict.releasesHeld)) {
    const name = policy.signalName(signal);
    let step: Step = [running(state), []];
    for (const hold of held) {
      const waiting = policy.signalName(hold.signal);
      const released: Effect[] = [
        { kind: 'cancel', timer: `delay:${hold.signal}` },
        log('info', 'signal-released', `${waiting} forwarded before its delay was over (${name} came)`, { signal: waiting }),
      ];
      step = andThen(step, released, (next) => forwardWhileRunning(next, hold.signal, decideSignal(hold.signal, policy.settings, policy.facts), policy));
    }
    // A SIGINT is urgent: forwarded too, after what was held.
    return again ? step : andThen(step, [], (next) => forwardWhileRunning(next, signal, verdict, policy));
  }
  if (verdict.holdMs !== undefined && !state.heldOnce.includes(signal)) {
    const name = policy.signalName(signal);
    const delaying: State = { ...state, kind: 'delaying', held: [...held, { signal, delayMs: verdict.holdMs }], heldOnce: [...state.heldOnce, signal] };
    const effects: Effect[] = [
      log('info', 'signal-held', `${name} held ${verdict.holdMs} ms before it is forwarded (--delay)`, { signal: name, delayMs: verdict.holdMs }),
      { kind: 'arm', timer: `delay:${signal}`, ms: verdict.holdMs },
    ];
    return [delaying, effects];
  }
  return forwardWhileRunning(state, signal, verdict, policy);
}

/** --delay's time for a held signal is over: it is forwarded now. */
export function onHoldOver(state: Up, signal: number, policy: Policy): Step {
  if (state.kind !== 'delaying' || !state.held.some((hold) => hold.signal === signal)) return [state, []];
  const held = state.held.filter((hold) => hold.signal !== signal);
  const next: Up = held.length > 0 ? { ...state, held } : running(state);
  return forwardWhileRunning(next, signal, decideSignal(signal, policy.settings, policy.facts), policy);
}

// The same, with nothing held.
function running(state: Up): Up {
  return { kind: 'running', history: state.history, runs: state.runs, pool: state.pool, heldOnce: state.heldOnce, killAfterArmed: state.killAfterArmed };
}

// A forward while the runs are up also starts --kill-after's count, once.
function forwardWhileRunning(state: State, signal: number, verdict: Verdict, policy: Policy): Step {
  const up = state as Up;
  const [runs, effects] = forwardToRuns(up.runs, signal, verdict, policy);
  const { killAfterMs } = policy.settings;
  if (!verdict.armsKillAfter || up.killAfterArmed || killAfterMs === undefined || runs.length === 0) return [{ ...up, runs }, effects];
  return [{ ...up, runs, killAfterArmed: true }, [...effects, { kind: 'arm', timer: 'kill-after', ms: killAfterMs }]];
}

/**
 * Signals go to each run's process group (or to each run alone with -c) as the verdict says:
 * rewritten, dropped, the terminal given back first, tsinit suspended after. Each run keeps what
 * it was sent. No runs: no effects.
 */
export function forwardToRuns(runs: readonly Run[], signal: number, verdict: Verdict, policy: Policy): [readonly Run[], Effect[]] {
  if (runs.length === 0) return [runs, []];
  if (verdict.send === 0) return [runs, [dropped(signal, policy)]];
  const group = !policy.settings.singleChild;
  const effects: Effect[] = verdict.givesTerminal ? [{ kind: 'give-terminal', pgid: runs[0].pid }] : [];
  for (const run of runs) {
    effects.push({ kind: 'signal', pid: run.pid, signal: verdict.send, group, received: signal }, forwarded(run, signal, verdict, policy));
  }
  if (verdict.suspendsSelf && policy.pid !== 1) {
    effects.push(log('info', 'suspended', `${policy.command[0]} stopped by ${policy.signalName(verdict.send)}: suspending tsinit too`), { kind: 'suspend-self' });
  }
  return [sentTo(runs, verdict.send), effects];
}

/** What the addon's fast path forwarded by itself: recorded in the runs and reported as if done here. */
export function recordForwards(runs: readonly Run[], signal: number, verdict: Verdict, count: number, policy: Policy): [readonly Run[], Effect[]] {
  const effects: Effect[] = [];
  for (let i = 0; i < count; i++) {
    if (verdict.send === 0) effects.push(dropped(signal, policy));
    else effects.push(...runs.map((run) => forwarded(run, signal, verdict, policy)));
  }
  return [verdict.send === 0 ? runs : sentTo(runs, verdict.send), effects];
}

function sentTo(runs: readonly Run[], signal: number): readonly Run[] {
  return runs.map((run) => (run.sent.includes(signal) ? run : { ...run, sent: [...run.sent, signal] }));
}

function forwarded(run: Run, received: number, verdict: Verdict, policy: Policy): Effect {
  const group = !policy.settings.singleChild;
  const as = verdict.send === received ? '' : ` as ${policy.signalName(verdict.send)}`;
  return log('debug', 'signal-forwarded', `${policy.signalName(received)} forwarded${as} to ${group ? 'group' : 'pid'} ${run.pid}`, {
    received: policy.signalName(received),
    signal: policy.signalName(verdict.send),
    to: group ? -run.pid : run.pid,
    taskId: run.taskId,
  });
}

function dropped(signal: number, policy: Policy): Effect {
  const name = policy.signalName(signal);
  return log('debug', 'signal-dropped', `${name} dropped (rewrite to 0)`, { signal: name });
}
