import type { Listeners } from '../platform/listeners';
import type { Log } from '../platform/log';
import { errnoName, type Native } from '../platform/native';
import type { SignalIntake } from '../platform/signal-intake';
import { forwardableSignals, signalName, type RealtimeRange } from '../platform/signals';
import { supervise } from './driver';
import { kernelProcessTable } from './tree-stop';
import type { Policy } from './policy';
import type { Settings } from './settings';
import type { SignalFacts } from './signal-policy';

/** What a front end (the CLI, `run`) hands the supervisor: settings, the command as text and as bytes. */
export interface SupervisorOptions extends Settings {
  command: string[];
  /** The command's words and the PATH it is searched in, as bytes: what exec gets. */
  commandBytes: Buffer[];
  searchPath: Buffer | undefined;
  realtime: RealtimeRange;
  /** CMD's oom_score_adj, set before its exec (see oom.ts); absent: inherited. */
  oomScoreAdj?: number;
  /**
   * The CLI's: the process is the init's alone, so the addon takes its signals on a thread of
   * its own, the addon may exit with the command's code when nothing is left, and tsinit leaves
   * its start directory once the command runs.
   */
  ownsProcess?: boolean;
}

/** Supervises the command (or the pool) with --listen's sockets open, until nothing is left; resolves with the exit code. */
export function runSupervisor(options: SupervisorOptions, listeners: Listeners, native: Native, log: Log, intake: SignalIntake): Promise<number> {
  const policy = policyFor(options, log, { foreground: native.isTerminal(0) }, process.pid);
  const spawnRequest = { commandBytes: options.commandBytes, searchPath: options.searchPath, newSession: options.newSession, oomScoreAdj: options.oomScoreAdj, listeners };
  return supervise(policy, spawnRequest, {
    native,
    processes: kernelProcessTable(native),
    log,
    intake,
    now: () => Number(process.hrtime.bigint()) / 1e6, // not `performance`: its first use loads a module, 2 ms
    afterFirstSpawn: options.ownsProcess ? () => settleAsTheInit(native, log) : undefined,
  });
}

/** The policy dispatch decides by: the options, what is logged, the terminal, tsinit's pid. */
export function policyFor(options: SupervisorOptions, log: Log, terminal: SignalFacts, pid: number): Policy {
  const orphanLevel = options.warnOnReap ? 'warn' : 'debug';
  const workers = options.workers?.count ?? 1;
  const pool = options.workers !== undefined;
  // A terminal has one foreground group: given to each worker in turn, the last would take every
  // Ctrl-C alone, and be restarted. A pool leaves the terminal to tsinit, which forwards its ^C to all.
  const facts = pool ? { ...terminal, foreground: false } : terminal;
  return {
    settings: options,
    command: options.command,
    taskIds: Array.from({ length: workers }, (_, taskId) => taskId),
    pool,
    pid,
    facts,
    signals: forwardableSignals(options.realtime),
    fastPath: {
      report: log.wants('debug'),
      reapOrphans: !log.wants(orphanLevel) && !facts.foreground, // each reap is logged; a stopped command suspends tsinit
      exit: options.ownsProcess === true && !log.wants('info') && !pool, // a pool's end is the supervisor's to decide
    },
    orphanLevel,
    signalName: (signal) => signalName(signal, options.realtime),
  };
}

// After the command's spawn, which has first claim on a tight pids.max: without the thread, the
// handler does the same work, interrupting the loop. As dumb-init, tsinit then leaves its start
// directory, which it would otherwise keep busy (an unmount, a rename) for its whole life.
function settleAsTheInit(native: Native, log: Log): void {
  const errno = native.takeSignalsOnThread();
  if (errno !== 0) log('debug', 'signal-thread', `signals stay with the handler: no thread for them (${errnoName(errno)})`, { errno: errnoName(errno) });
  process.chdir('/');
}
