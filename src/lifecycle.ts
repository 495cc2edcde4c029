import { commandCandidates } from './command-path';
import { execFailureCode, exitCodeOf } from './exit-status';
import type { Log } from './log';
import type { Native, Reaped } from './native';
import type { Options } from './options';
import { readProcess } from './process-tree';
import { forwardableSignals, signalName, SIGCHLD, SIGCONT, SIGINT, SIGKILL, SIGSTOP, SIGTERM, type RealtimeRange } from './signals';
import { TreeShutdown } from './tree-shutdown';

/** What the lifecycle takes from the command line, plus the libc's real-time range. */
export type LifecycleOptions = Omit<Options, 'help' | 'version' | 'license' | 'verbosity' | 'logFormat'> & {
  realtime: RealtimeRange;
};

// Exit code when the init itself fails and shuts the tree down.
const INIT_FAILURE_EXIT_CODE = 1;

/**
 * The init's whole life, top to bottom: become a subreaper when not PID 1, watch every signal,
 * spawn CMD in its own process group, forward signals to that group, reap every child that
 * dies, and once CMD is gone stop whatever it left behind (SIGTERM, grace, SIGKILL); resolves
 * with CMD's exit code when nothing is left.
 */
export function runLifecycle(options: LifecycleOptions, native: Native, log: Log): Promise<number> {
  return new Promise((resolve) => {
    const name = (signal: number) => signalName(signal, options.realtime);
    const describe = (status: Reaped) =>
      status.signal !== null ? `killed by ${name(status.signal)}` : `exited with code ${status.exitCode}`;
    const [file] = options.command;
    const foreground = native.isTerminal(0);
    let child = 0;
    let exitCode: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let shutdown: TreeShutdown | undefined;
    let finished = false;

    // 1. Where orphans go, and what our parent's death sends us.
    if (options.parentDeathSignal !== undefined) native.setParentDeathSignal(options.parentDeathSignal);
    if (process.pid !== 1 || options.subreaper) {
      native.setChildSubreaper(true);
      log('info', 'subreaper', `${process.pid === 1 ? 'PID 1' : `not PID 1 (pid ${process.pid})`}: registered as child subreaper, so orphans are reaped here`);
    }

    // 2. Watch before spawning: a SIGCHLD with no handler is discarded, and CMD may exit at once.
    //    No callback runs before this function returns, so `child` is set by then.
    native.watchSignals([SIGCHLD, ...forwardableSignals(options.realtime)], (signal) => {
      if (signal === SIGCHLD) reapChildren();
      else forward(signal);
    });
    // Never die silently: the kernel would SIGKILL the whole container with PID 1.
    const fail = (error: unknown) => {
      log('error', 'fatal', `internal error: ${error instanceof Error ? error.message : String(error)}`);
      stopTree(INIT_FAILURE_EXIT_CODE, 'tsinit failed');
    };
    process.on('uncaughtException', fail);
    process.on('unhandledRejection', fail);

    // 3. CMD.
    const spawned = native.spawn(commandCandidates(file), options.command, { newSession: options.newSession, foreground });
    if ('errno' in spawned) {
      const code = execFailureCode(spawned.errno);
      log('error', 'exec-failed', `${file}: ${code === 127 ? 'command not found' : 'cannot execute'} (${spawned.errno})`, { errno: spawned.errno });
      return finish(code);
    }
    child = spawned.pid;
    log('info', 'spawned', `spawned ${options.command.join(' ')} as pid ${child}`, { pid: child, command: options.command });

    // 4. Signals from outside go to CMD's group (or CMD alone), rewritten as asked.
    function forward(received: number): void {
      const signal = options.rewrites.get(received) ?? received;
      if (signal === 0) return log('debug', 'signal-dropped', `${name(received)} dropped (rewrite to 0)`, { signal: name(received) });
      if (exitCode !== undefined) return;
      if (signal === SIGCONT && foreground) native.setForegroundGroup(child); // `fg`: CMD gets the terminal back
      // CMD may have left its group (setsid, job control): then it gets the signal alone.
      const delivered = (!options.singleChild && native.kill(-child, signal)) || native.kill(child, signal);
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
      log('warn', 'kill-after', `${file} still running ${options.killAfterMs} ms after ${name(SIGTERM)}/${name(SIGINT)}: SIGKILL to group ${child}`);
      if (!native.kill(-child, SIGKILL)) native.kill(child, SIGKILL);
    }

    // 5. Every dead child is reaped, CMD's status kept, orphans logged.
    // In an orphan storm, only CMD's status crosses into JS, unless orphans are logged or stopped.
    const orphanLevel = options.warnOnReap ? 'warn' : 'debug';
    const logOrphans = log.wants(orphanLevel);
    function reapChildren(): void {
      let exited: Reaped | undefined; // acted on after the others of its batch are reported
      for (const status of native.reapAll(logOrphans || shutdown ? undefined : child)) {
        if (status.pid === child) exited = status;
        else if (shutdown) shutdown.reaped(status);
        else if (logOrphans) log(orphanLevel, 'orphan-reaped', `reaped orphan ${status.pid} (${status.name}), ${describe(status)}`, { ...status });
      }
      if (exited) childExited(exited); // starts the shutdown, unless a failure already did
      else if (!shutdown && foreground) suspendWithStoppedChild();
      shutdown?.update();
    }

    function childExited(status: Reaped): void {
      clearTimeout(killTimer);
      const code = exitCodeOf(status);
      exitCode = options.remapToZero.has(code) ? 0 : code;
      log('info', 'child-exited', `${file} (pid ${child}) ${describe(status)}`, { ...status });
      stopTree(exitCode, `${file} exited`);
    }

    // Job control, as under a shell: when Ctrl-Z stopped CMD, stop too, so the shell above
    // takes the terminal back; its `fg` continues us, and forward() gives CMD the terminal.
    function suspendWithStoppedChild(): void {
      if (process.pid !== 1 && readProcess(child)?.state === 'T') {
        log('info', 'suspended', `${file} stopped: suspending tsinit too`);
        native.kill(process.pid, SIGSTOP);
      }
    }

    // 6. Whatever is left gets SIGTERM, the grace, then SIGKILL; then we exit.
    function stopTree(code: number, why: string): void {
      if (shutdown || finished) return;
      if (options.graceMs === 0) return finish(code);
      shutdown = new TreeShutdown(native, log, options.graceMs, describe, () => finish(code));
      shutdown.start(why);
    }

    function finish(code: number): void {
      if (finished) return; // a failure after the end (a throwing `exit` listener) changes nothing
      finished = true;
      log('info', 'exit', `exiting with code ${code}`, { exitCode: code });
      resolve(code);
    }
  });
}
