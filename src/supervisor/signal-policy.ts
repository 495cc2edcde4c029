import type { FastPathPlan } from '../platform/native';
import { SIGCONT, SIGINT, SIGSTOP, SIGTERM, SIGTSTP } from '../platform/signals';
import { exitCodeTables } from './exit-policy';
import type { Settings } from './settings';

/** The facts besides the settings that decide what a signal does. */
export interface SignalFacts {
  /** stdin is a terminal: the command's group holds it, and SIGCONT (`fg`) gives it back. */
  foreground: boolean;
}

/** What one arriving signal does, whatever state the supervisor is in. */
export interface Verdict {
  /** The signal the runs get (after -r; --setsid's TSTP becomes STOP); 0: dropped. */
  send: number;
  /** --delay: its first arrival in a run is held this long before it is forwarded. */
  holdMs: number | undefined;
  /** A SIGTERM or SIGINT, unless -r drops it: the end of the container; nothing starts again after it. */
  ends: boolean;
  /** A SIGINT while --delay holds signals: they are forwarded at once (before it). */
  releasesHeld: boolean;
  /** SIGCONT under a terminal: the command's group takes the terminal back first (`fg`). */
  givesTerminal: boolean;
  /** --kill-after counts from this forward (a SIGTERM or SIGINT sent). */
  armsKillAfter: boolean;
  /** --setsid, as dumb-init: a terminal stop stops the command's group, then tsinit itself. */
  suspendsSelf: boolean;
}

/** The one signal policy: for each signal, where it goes, as what, and what else it sets off. */
export function decideSignal(signal: number, settings: Settings, facts: SignalFacts): Verdict {
  // dumb-init's --setsid: the command's session is an orphaned process group, where the kernel
  // discards TSTP, so it is sent as STOP unless -r says otherwise.
  const jobStop = settings.newSession && signal === SIGTSTP;
  const send = settings.rewrites.get(signal) ?? (jobStop ? SIGSTOP : signal);
  return {
    send,
    holdMs: settings.delays.get(signal),
    ends: (signal === SIGTERM || signal === SIGINT) && send !== 0,
    releasesHeld: signal === SIGINT && settings.delays.size > 0,
    givesTerminal: send === SIGCONT && facts.foreground,
    armsKillAfter: settings.killAfterMs !== undefined && (send === SIGTERM || send === SIGINT),
    suspendsSelf: jobStop,
  };
}

/** How the fast path may act, besides the signal table. */
export interface FastPathOptions {
  /** Every forward is an event someone hears (-vv, the API): the handler wakes JS after it. */
  report: boolean;
  /** Orphans may be reaped unreported (no -w, -vv or API, no terminal whose stops JS watches). */
  reapOrphans: boolean;
  /** The process is the init's alone (the CLI) and nothing is logged at the end: the addon may exit. */
  exit: boolean;
}

/**
 * The signal policy compiled for the addon while `targets` run: a signal whose verdict needs no
 * state (no hold, no terminal, no timer, no restart question, nothing swallowed) is forwarded by
 * the handler itself, as decideSignal says; the others come to JS.
 */
export function fastPathPlan(
  signals: readonly number[],
  targets: readonly number[],
  swallow: readonly number[],
  settings: Settings,
  facts: SignalFacts,
  options: FastPathOptions,
): FastPathPlan {
  const forwardAs = new Array<number>(65).fill(0);
  const restarts = settings.restart.when !== 'no';
  for (const signal of signals) {
    const verdict = decideSignal(signal, settings, facts);
    const needsState =
      swallow.includes(signal) ||
      verdict.holdMs !== undefined ||
      verdict.releasesHeld ||
      verdict.givesTerminal ||
      verdict.armsKillAfter ||
      verdict.suspendsSelf ||
      (verdict.ends && restarts);
    if (!needsState) forwardAs[signal] = verdict.send === 0 ? -1 : verdict.send;
  }
  return {
    targets: [...targets],
    group: !settings.singleChild,
    forwardAs,
    reapOrphans: options.reapOrphans,
    report: options.report,
    // Once a run ends by itself, restarts and the timeout are JS's questions.
    exit: options.exit && !restarts ? { ...exitCodeTables(settings.remapToZero), always: settings.graceMs === 0 } : undefined,
  };
}
