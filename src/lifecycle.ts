import { isatty } from 'node:tty';
import { commandCandidates } from './command-path';
import { execFailureCode, exitCodeOf } from './exit-status';
import type { Log } from './log';
import type { Native, Reaped } from './native';
import { SIGCHLD, forwardableSignals, signalName } from './signals';

/** What the lifecycle takes from the command line. */
export interface LifecycleOptions {
  command: string[];
}

/**
 * The init's whole life, top to bottom: become a subreaper when not PID 1, watch every signal,
 * spawn CMD in its own process group, forward signals to that group, reap every child that
 * dies, and resolve with CMD's exit code once CMD itself is reaped.
 */
export function runLifecycle(options: LifecycleOptions, native: Native, log: Log): Promise<number> {
  return new Promise((resolve) => {
    const realtime = native.realtimeSignals();
    const describe = (status: Reaped) =>
      status.signal !== null ? `killed by ${signalName(status.signal, realtime)}` : `exited with code ${status.exitCode}`;

    if (process.pid !== 1) {
      native.setChildSubreaper(true);
      log('info', `not PID 1 (pid ${process.pid}): registered as child subreaper, so orphans are reaped here`);
    }

    // Watch before spawning: a SIGCHLD with no handler is discarded, and CMD may exit at once.
    // No callback runs before this function returns, so `child` is set by then.
    let child = 0;
    native.watchSignals([SIGCHLD, ...forwardableSignals(realtime)], (signal) => {
      if (signal === SIGCHLD) reapAll();
      else forward(signal);
    });

    const [file] = options.command;
    const spawned = native.spawn(commandCandidates(file), options.command, {
      newSession: false,
      foreground: isatty(0),
      parentDeathSignal: 0,
    });
    if ('errno' in spawned) {
      const code = execFailureCode(spawned.errno);
      log('error', `${file}: ${code === 127 ? 'command not found' : 'cannot execute'} (${spawned.errno})`);
      resolve(code);
      return;
    }
    child = spawned.pid;
    log('info', `spawned ${options.command.join(' ')} as pid ${child}`);

    function forward(signal: number): void {
      // CMD may have left its group (setsid, job control): then it gets the signal alone.
      const delivered = native.kill(-child, signal) || native.kill(child, signal);
      log('debug', `${signalName(signal, realtime)} ${delivered ? 'forwarded to' : 'not delivered, nobody left in'} group ${child}`);
    }

    function reapAll(): void {
      for (const status of native.reapAll()) {
        if (status.pid === child) {
          log('info', `${file} (pid ${child}) ${describe(status)}`);
          resolve(exitCodeOf(status));
        } else {
          log('debug', `reaped orphan pid ${status.pid}, ${describe(status)}`);
        }
      }
    }
  });
}
