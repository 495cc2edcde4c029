import type { Reaped } from '../platform/native';
import type { Policy } from './policy';
import type { History, Run } from './state';
import { log } from './step';
import type { RestartPolicy } from './settings';

// Restart back-off: doubles from the first delay up to the cap; back to the first once a run
// stayed up this long.
const BACKOFF_FIRST_MS = 100;
const BACKOFF_CAP_MS = 30_000;
const BACKOFF_RESET_AFTER_MS = 60_000;

/**
 * Whether a run that ended starts again: not after a SIGTERM/SIGINT, the timeout or a failure,
 * not past the budget, not after a death by a signal tsinit sent it; `always`, or on a failure
 * (an exit code other than 0 after -e, or a signal).
 */
export function restartWanted(policy: RestartPolicy, history: History, run: Run, status: Reaped, code: number): boolean {
  if (!restartsLeft(policy, history)) return false;
  if (status.signal !== null && run.sent.includes(status.signal)) return false; // we passed it on: meant
  return policy.when === 'always' || status.signal !== null || code !== 0;
}

/** Whether a restart may still come: a policy, its budget not spent, no SIGTERM/SIGINT, timeout or failure yet. */
export function restartsLeft(policy: RestartPolicy, history: History): boolean {
  return policy.when !== 'no' && !history.ending && history.restarts < policy.max;
}

/** The back-off before the next start, and the steps counted after it; a long run resets the count. */
export function backoff(steps: number, upMs: number): { delayMs: number; steps: number } {
  const step = upMs >= BACKOFF_RESET_AFTER_MS ? 0 : steps;
  return { delayMs: Math.min(BACKOFF_FIRST_MS * 2 ** step, BACKOFF_CAP_MS), steps: step + 1 };
}

/** How a run ended, as its restart is announced: its pid (none when it could not start), its code or signal. */
export interface EndedRun {
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
}

/**
 * The next restart of task `taskId`: its attempt number (counting the `pending` restarts of a
 * pool's other workers, drawn before it if their back-offs end first), its own back-off, the history with its
 * back-off counted, and the warning that announces it. A pool draws from its budget only when the
 * restart is due (as tornado, whose restarts are immediate: a failure that finds the budget spent
 * comes after every restart drawn has run), so its warning says how many were made so far.
 * `upMs`, how long the last run stayed up.
 */
export function nextRestart(history: History, taskId: number, what: string, status: EndedRun, upMs: number, policy: Policy, pending = 0) {
  const { delayMs, steps } = backoff(history.backoffSteps[taskId] ?? 0, upMs);
  const attempt = history.restarts + pending + 1;
  const { max } = policy.settings.restart;
  const of = Number.isFinite(max) ? ` of ${max}` : '';
  const when = policy.pool ? `starts again in ${delayMs} ms (restarts made: ${history.restarts}${of})` : `restart ${attempt}${of} in ${delayMs} ms`;
  const task = !policy.pool ? '' : status.pid === null ? ` (task ${taskId})` : ` (task ${taskId}, pid ${status.pid})`;
  const announce = log('warn', 'restart', `${policy.command[0]}${task} ${what}; ${when}`, { taskId, attempt, delayMs, ...status });
  return { attempt, delayMs, announce, history: { ...history, backoffSteps: { ...history.backoffSteps, [taskId]: steps } } };
}
