import type { Reaped } from '../platform/native';
import type { History, Run } from './state';
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
