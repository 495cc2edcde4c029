import { commandCandidates } from '../platform/command-path';
import { execFailureCode, exitCodeOf } from './exit-status';
import type { Log } from '../platform/log';
import { errnoName, type Native, type Reaped } from '../platform/native';
import type { Options } from '../cli/options';
import { descendantsOf, pidsAndNames, procIsOurs, readProcess } from '../platform/process-tree';
import type { SignalIntake } from '../platform/signal-intake';
import { signalName, SIGCHLD, SIGCONT, SIGHUP, SIGINT, SIGKILL, SIGSTOP, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU, type RealtimeRange } from '../platform/signals';
import { TreeShutdown } from './tree-shutdown';

/**
 * What the lifecycle takes from the command line, plus the libc's real-time range, and CMD and
 * the PATH it is searched in as bytes (`command` is for logs).
 */
export type LifecycleOptions = Omit<Options, 'help' | 'version' | 'license' | 'verbosity' | 'logFormat'> & {
  realtime: RealtimeRange;
  commandBytes: Buffer[];
  searchPath: Buffer | undefined;
  /** CMD's oom_score_adj, set before its exec (see oom.ts); absent: inherited. */
  oomScoreAdj?: number;
  /**
   * The CLI's: the process is the init's alone, so the addon takes its signals on a thread of
   * its own, and when CMD ends and nothing is left it exits with CMD's code, no JS between.
   */
  ownsProcess?: boolean;
};

/**
 * The init's states: `starting` until CMD is spawned (signals are held by the intake),
 * `running` while CMD lives, `stopping` while the tree is stopped for good, `restarting` while
 * a dead CMD's leftovers are stopped before the back-off, `waiting` in the back-off, `done`
 * once the code is known.
 */
export type State = 'starting' | 'running' | 'stopping' | 'restarting' | 'waiting' | 'done';

// The signals a terminal's job control stops a process with (Ctrl-Z, background reads and writes).
const JOB_CONTROL_STOPS = [SIGTSTP, SIGTTIN, SIGTTOU];

// Exit code when the init itself fails and shuts the tree down.
const INIT_FAILURE_EXIT_CODE = 1;

// Exit code when --timeout stopped CMD, as coreutils `timeout`.
const TIMEOUT_EXIT_CODE = 124;

// Restart back-off: doubles from the first delay up to the cap; back to the first once CMD
// stayed up this long.
const BACKOFF_FIRST_MS = 100;
const BACKOFF_CAP_MS = 30_000;
const BACKOFF_RESET_AFTER_MS = 60_000;

/**
 * The init's whole life, top to bottom: become a subreaper when not PID 1, spawn CMD in its
 * own process group, take the signals the intake watched, forward them to that group, reap
 * every child that dies, start CMD again if the restart policy says so, and once CMD is gone
 * for good stop whatever it left behind (SIGTERM, grace, SIGKILL); resolves with CMD's exit
 * code (124 after --timeout) when nothing is left.
 */
export function runLifecycle(options: LifecycleOptions, native: Native, log: Log, intake: SignalIntake): Promise<number> {
  return new Promise((resolve) => {
    // All of the init's state, declared before any handler can run.
    let state: State = 'starting';
    let child = 0;
    let childStartedAt = 0; // Date.now() at this CMD's spawn
    let forwardedToChild = new Set<number>(); // what this CMD got from us: a death by one is no failure
    let restarts = 0;
    let backoffSteps = 0; // restarts since CMD last stayed up BACKOFF_RESET_AFTER_MS
    let stopRequested = false; // a SIGTERM or SIGINT came, or the timeout: CMD is not started again
    let exitCode = 0; // the last CMD's, remapped by -e; 124 once timed out
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let restartTimer: NodeJS.Timeout | undefined;
    let shutdown: TreeShutdown | undefined;
    const held = new Map<number, NodeJS.Timeout>(); // signals --delay holds, each with its timer
    const delayedOnce = new Set<number>(); // only a signal's first arrival is held
    const [file] = options.command;
    const foreground = native.isTerminal(0);
    const orphanLevel = options.warnOnReap ? 'warn' : 'debug';
    const logOrphans = log.wants(orphanLevel);
    const swallowOnce = new Set<number>(); // signals the kernel sent us for our own doing
    const ignoredHere: number[] = []; // dispositions to give back at the end
    const name = (signal: number) => signalName(signal, options.realtime);
    const describe = (status: Reaped) =>
      status.signal !== null ? `killed by ${name(status.signal)}` : `exited with code ${status.exitCode}`;
    const endsRestarts = (signal: number) => signal === SIGTERM || signal === SIGINT;
    const rewritten = (received: number) => options.rewrites.get(received) ?? received; // -r; 0: dropped

    // Never die silently: the kernel would SIGKILL the whole container with PID 1.
    const fail = (error: unknown) => {
      log('error', 'fatal', `internal error: ${error instanceof Error ? error.message : String(error)}`);
      if (state === 'running') stopTree(INIT_FAILURE_EXIT_CODE, 'tsinit failed');
      else if (state === 'starting' || state === 'waiting') finish(INIT_FAILURE_EXIT_CODE);
    };
    process.on('uncaughtException', fail);
    process.on('unhandledRejection', fail);
    try {
      start();
    } catch (error) {
      fail(error); // what failed while starting is handled as any failure in its state
    }

    function start(): void {
      // 1. Where orphans go, and what our parent's death sends us.
      if (options.parentDeathSignal !== undefined) native.setParentDeathSignal(options.parentDeathSignal);
      if (process.pid !== 1 || options.subreaper) {
        native.setChildSubreaper(true);
        log('info', 'subreaper', `${process.pid === 1 ? 'PID 1' : `not PID 1 (pid ${process.pid})`}: registered as child subreaper, so orphans are reaped here`);
      }

      // 2. The terminal's stop signals are ignored, as tini does: our own write to a terminal that
      //    CMD owns (`stty tostop`) must go through, not raise SIGTTOU and restart forever.
      for (const signal of [SIGTTIN, SIGTTOU]) {
        if (native.signalDisposition(signal) !== 'default') continue; // a host's own listener stays
        native.setSignalIgnored(signal, true);
        ignoredHere.push(signal);
      }

      // 3. CMD. In a session of its own under a terminal, it can take the terminal only once we
      //    let it go; as session leader in the foreground we then get SIGHUP and SIGCONT (as dumb-init).
      if (options.newSession && foreground) releaseTerminal();
      if (!spawnCommand()) return;
      if (options.timeoutMs !== undefined) timeoutTimer = setTimeout(timedOut, options.timeoutMs);

      // 4. Every signal from now on, and those held since the start, in the order they came.
      intake.open((signal) => {
        if (swallowOnce.delete(signal)) return;
        if (endsRestarts(signal)) stopRequested = true;
        if (signal === SIGCHLD) reapChildren();
        else if (state === 'running') receive(signal);
        else if (state === 'waiting' && endsRestarts(signal)) {
          log('info', 'restart-cancelled', `${name(signal)} during the back-off: ${file} is not started again`, { signal: name(signal) });
          finish(exitCode);
        }
      });
      armFastPath();
      if (options.ownsProcess) takeSignalsOnThread();
    }

    // CMD spawned, its pid and start kept; false (and the end) when it could not be.
    function spawnCommand(): boolean {
      const candidates = commandCandidates(options.commandBytes[0], options.searchPath);
      let spawned: ReturnType<Native['spawn']>;
      try {
        spawned = native.spawn(candidates, options.commandBytes, { newSession: options.newSession, foreground, oomScoreAdj: options.oomScoreAdj });
      } catch (error) {
        log('error', 'spawn-failed', `cannot start ${file}: ${(error as Error).message}`); // vfork's EAGAIN: pids.max
        return finish(INIT_FAILURE_EXIT_CODE), false;
      }
      if ('errno' in spawned) {
        const errno = errnoName(spawned.errno);
        const code = execFailureCode(errno);
        log('error', 'exec-failed', `${file}: ${code === 127 ? 'command not found' : 'cannot execute'} (${errno})`, { errno });
        return finish(code), false;
      }
      child = spawned.pid;
      childStartedAt = Date.now();
      forwardedToChild = new Set();
      delayedOnce.clear();
      state = 'running';
      log('info', 'spawned', `spawned ${options.command.join(' ')} as pid ${child}`, { pid: child, command: options.command });
      return true;
    }

    function releaseTerminal(): void {
      const self = readProcess('self');
      const leadsForeground = self !== undefined && self.session === self.pid && self.tpgid === self.pgrp;
      if (native.releaseTerminal() === 0 && leadsForeground) [SIGHUP, SIGCONT].forEach((signal) => swallowOnce.add(signal));
    }

    // What needs no policy and no event, the addon does without JS: its handler forwards the
    // signals as forward() would, orphans are reaped in the handler; CMD's end still comes here.
    function armFastPath(): void {
      if (log.wants('debug') || options.restart.when !== 'no') return; // every forward is an event, or a restart's question
      const needsPolicy = (received: number) => {
        const sent = rewritten(received); // as forward() decides: `fg` gives CMD the terminal, TERM/INT arm --kill-after
        return (
          swallowOnce.has(received) ||
          options.delays.has(received) ||
          (received === SIGINT && options.delays.size > 0) || // it releases what is held
          (sent === SIGCONT && foreground) ||
          ((sent === SIGTERM || sent === SIGINT) && options.killAfterMs !== undefined)
        );
      };
      const signals = intake.signals.filter((signal) => signal !== SIGCHLD && !needsPolicy(signal));
      native.forwardInHandler(child, !options.singleChild, signals, signals.map((signal) => rewritten(signal) || -1));
      if (logOrphans || foreground) return; // each reap is logged; a stopped CMD suspends us
      native.reapInLoop(child, options.ownsProcess === true && !log.wants('info'), options.graceMs === 0, [...options.remapToZero]);
    }

    // After CMD's spawn, which has first claim on a tight pids.max: without the thread, the
    // handler does the same work, interrupting the loop.
    function takeSignalsOnThread(): void {
      const errno = native.takeSignalsOnThread();
      if (errno !== 0) log('debug', 'signal-thread', `signals stay with the handler: no thread for them (${errnoName(errno)})`, { errno: errnoName(errno) });
    }

    // 5. A signal from outside, while CMD runs: held first if --delay says so, then forwarded.
    //    A second arrival of a held signal, or a SIGINT, forwards what is held at once.
    function receive(signal: number): void {
      if (held.size > 0 && (held.has(signal) || signal === SIGINT)) {
        const again = held.has(signal);
        for (const [waiting, timer] of held) {
          clearTimeout(timer);
          log('info', 'signal-released', `${name(waiting)} forwarded before its delay was over (${name(signal)} came)`, { signal: name(waiting) });
          forward(waiting);
        }
        held.clear();
        if (!again) forward(signal); // a SIGINT: urgent, after what was held
        return;
      }
      const delayMs = options.delays.get(signal);
      if (delayMs === undefined || delayedOnce.has(signal)) return forward(signal);
      delayedOnce.add(signal);
      log('info', 'signal-held', `${name(signal)} held ${delayMs} ms before it is forwarded (--delay)`, { signal: name(signal), delayMs });
      held.set(
        signal,
        setTimeout(() => {
          held.delete(signal);
          if (state === 'running') forward(signal);
        }, delayMs),
      );
    }

    // Signals go to CMD's group (or CMD alone), rewritten as asked.
    function forward(received: number): void {
      const signal = rewritten(received);
      if (signal === 0) return log('debug', 'signal-dropped', `${name(received)} dropped (rewrite to 0)`, { signal: name(received) });
      if (signal === SIGCONT && foreground) native.setForegroundGroup(child); // `fg`: CMD gets the terminal back
      // CMD may have left its group (setsid, job control): then it gets the signal alone.
      const delivered = (!options.singleChild && native.kill(-child, signal)) || native.kill(child, signal);
      forwardedToChild.add(signal);
      if (log.wants('debug')) {
        const rewritten = signal === received ? '' : ` as ${name(signal)}`;
        log('debug', 'signal-forwarded', `${name(received)} forwarded${rewritten} to ${options.singleChild ? 'pid' : 'group'} ${child}${delivered ? '' : ', nobody there'}`, {
          received: name(received),
          signal: name(signal),
          to: options.singleChild ? child : -child,
        });
      }
      if ((signal === SIGTERM || signal === SIGINT) && options.killAfterMs !== undefined && killTimer === undefined) {
        killTimer = setTimeout(killAfter, options.killAfterMs);
      }
    }

    function killAfter(): void {
      if (state !== 'running') return;
      log('warn', 'kill-after', `${file} still running ${options.killAfterMs} ms after ${name(SIGTERM)}/${name(SIGINT)}: SIGKILL to group ${child}`);
      if (!native.kill(-child, SIGKILL)) native.kill(child, SIGKILL);
    }

    // --timeout: CMD ran too long; the whole tree is stopped as at the end, and the code is 124.
    function timedOut(): void {
      if (state === 'stopping') return; // CMD ended in time: its code stands
      stopRequested = true;
      exitCode = TIMEOUT_EXIT_CODE;
      const running = state === 'running' && procIsOurs() ? `; still running: ${pidsAndNames(descendantsOf(process.pid))}` : '';
      log('warn', 'timeout', `${file} ran longer than ${options.timeoutMs} ms (--timeout)${running}; exiting with code ${TIMEOUT_EXIT_CODE}`, { timeoutMs: options.timeoutMs });
      if (state === 'running') stopTree(TIMEOUT_EXIT_CODE, 'timed out', true);
      else if (state === 'waiting') finish(TIMEOUT_EXIT_CODE); // restarting: the back-off it leads to ends with exitCode
    }

    // 6. Every dead child is reaped, CMD's status kept, orphans logged.
    // In an orphan storm, only CMD's status crosses into JS, unless orphans are logged or stopped.
    function reapChildren(): void {
      if (state === 'done') return;
      let exited: Reaped | undefined; // acted on after the others of its batch are reported
      for (const status of native.reapAll(logOrphans || shutdown ? undefined : child)) {
        if (status.pid === child) exited = status;
        else if (shutdown) shutdown.reaped(status);
        else if (logOrphans) log(orphanLevel, 'orphan-reaped', `reaped orphan ${status.pid} (${status.name}), ${describe(status)}`, { ...status });
      }
      if (exited) childExited(exited); // starts the shutdown, unless a failure already did
      else if (state === 'running' && foreground) suspendWithStoppedChild();
      shutdown?.update();
    }

    function childExited(status: Reaped): void {
      clearTimeout(killTimer);
      killTimer = undefined;
      for (const timer of held.values()) clearTimeout(timer);
      held.clear();
      log('info', 'child-exited', `${file} (pid ${child}) ${describe(status)}`, { ...status });
      if (state !== 'running') return shutdown?.forget(status.pid); // the tree is being stopped already
      const code = exitCodeOf(status);
      exitCode = options.remapToZero.has(code) ? 0 : code;
      if (restartWanted(status)) restartLater(status);
      else stopTree(exitCode, `${file} exited`);
    }

    // The policy's answer: a failure is a code other than 0 (after -e) or a signal we did not forward.
    function restartWanted(status: Reaped): boolean {
      const { when, max } = options.restart;
      if (when === 'no' || stopRequested || restarts >= max) return false;
      if (status.signal !== null && forwardedToChild.has(status.signal)) return false; // we passed it on: meant
      return when === 'always' || status.signal !== null || exitCode !== 0;
    }

    // A dead CMD's leftovers are stopped first (SIGTERM, grace, SIGKILL), then the back-off.
    function restartLater(status: Reaped): void {
      state = 'restarting';
      shutdown = new TreeShutdown(native, log, options.graceMs, describe, () => backOff(status));
      shutdown.start(`${file} exited; before it starts again`);
    }

    function backOff(status: Reaped): void {
      shutdown = undefined;
      if (stopRequested) return finish(exitCode); // a SIGTERM/SIGINT or the timeout came meanwhile
      if (Date.now() - childStartedAt >= BACKOFF_RESET_AFTER_MS) backoffSteps = 0;
      const delayMs = Math.min(BACKOFF_FIRST_MS * 2 ** backoffSteps++, BACKOFF_CAP_MS);
      restarts++;
      const of = Number.isFinite(options.restart.max) ? ` of ${options.restart.max}` : '';
      log('warn', 'restart', `${file} ${describe(status)}; restart ${restarts}${of} in ${delayMs} ms`, {
        attempt: restarts,
        delayMs,
        exitCode: status.exitCode,
        signal: status.signal === null ? null : name(status.signal),
      });
      state = 'waiting';
      restartTimer = setTimeout(() => state === 'waiting' && spawnCommand(), delayMs);
    }

    // Job control, as under a shell: when Ctrl-Z stopped CMD, stop too, so the shell above
    // takes the terminal back; its `fg` continues us, and forward() gives CMD the terminal.
    // A SIGSTOP from elsewhere is no job control: stopped for good, we could not reap CMD.
    function suspendWithStoppedChild(): void {
      if (process.pid !== 1 && JOB_CONTROL_STOPS.includes(native.stopSignal(child))) {
        log('info', 'suspended', `${file} stopped: suspending tsinit too`);
        native.kill(process.pid, SIGSTOP);
      }
    }

    // 7. Whatever is left gets SIGTERM, the grace, then SIGKILL; then we exit. With no grace,
    //    what is left is left, unless CMD itself must go (the timeout): then SIGKILL at once.
    function stopTree(code: number, why: string, evenWithoutGrace = false): void {
      if (state !== 'running') return;
      state = 'stopping';
      native.endFastPath(); // the shutdown hears every signal and every reap
      if (options.graceMs === 0 && !evenWithoutGrace) return finish(code);
      shutdown = new TreeShutdown(native, log, options.graceMs, describe, () => finish(code));
      shutdown.start(why);
    }

    // The process is left as it was found: our listeners gone, the terminal's signals given back.
    function finish(code: number): void {
      state = 'done';
      for (const timer of [killTimer, timeoutTimer, restartTimer, ...held.values()]) clearTimeout(timer);
      process.removeListener('uncaughtException', fail);
      process.removeListener('unhandledRejection', fail);
      log('info', 'exit', `exiting with code ${code}`, { exitCode: code }); // while TTOU is still ignored
      for (const signal of ignoredHere) native.setSignalIgnored(signal, false);
      resolve(code);
    }
  });
}
