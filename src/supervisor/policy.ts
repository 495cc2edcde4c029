import type { LogLevel } from '../platform/log';
import type { Reaped } from '../platform/native';
import type { Settings } from './settings';
import type { FastPathOptions, SignalFacts } from './signal-policy';

/** Everything dispatch decides by besides the state: fixed for the supervisor's whole life. */
export interface Policy {
  readonly settings: Settings;
  /** The command as given, for logs (its first word names it). */
  readonly command: readonly string[];
  /** The workers' task ids: [0] for one command. */
  readonly taskIds: readonly number[];
  /** --workers: each worker restarts alone, in place, and the pool ends when every one is done. */
  readonly pool: boolean;
  /** tsinit's own pid: 1, or a subreaper's. */
  readonly pid: number;
  readonly facts: SignalFacts;
  /** Every signal tsinit forwards, for the fast path's table. */
  readonly signals: readonly number[];
  readonly fastPath: FastPathOptions;
  /** -w warns about each orphan reaped; otherwise it is a debug line. */
  readonly orphanLevel: LogLevel;
  /** SIGTERM, SIGRTMIN+3: a signal's name for logs. */
  signalName(signal: number): string;
}

/** "killed by SIGTERM" or "exited with code 3": how a process ended, for log lines. */
export function describeEnd(status: Reaped, policy: Pick<Policy, 'signalName'>): string {
  return status.signal !== null ? `killed by ${policy.signalName(status.signal)}` : `exited with code ${status.exitCode}`;
}
