import { constants } from 'node:os';
import type { Native } from './native';
import { FAULT_SIGNALS, SIGINT, SIGTERM } from './signals';

/**
 * Every signal the init handles, watched from its first lines on: until the supervisor has
 * spawned CMD and opens the intake, signals are held, then delivered in the order they came.
 * A signal the kernel delivers to PID 1 with no handler is lost, so watching cannot wait.
 */
export class SignalIntake {
  private readonly held: number[];
  private deliver: ((signals: number[]) => void) | undefined;

  /** Starts watching `signals`, caught since start-up; `earlier` came before (the restart's, Node's boot). */
  constructor(
    private readonly native: Native,
    private readonly signals: number[],
    earlier: number[] = [],
  ) {
    this.held = [...earlier];
    native.watchSignals(() => this.wake());
    process.on('newListener', this.catchAgain);
    process.on('removeListener', this.catchAgain);
  }

  /** From now on every wake's arrivals (maybe none: the fast path's report) go to `deliver`, the held ones first. */
  open(deliver: (signals: number[]) => void): void {
    this.deliver = deliver;
    deliver(this.held.splice(0));
  }

  /** Takes out the signals held so far: what the init hands over across its restart. */
  takeHeld(): number[] {
    return [...this.held.splice(0), ...this.native.takeSignals()];
  }

  /** Stops watching, giving the process its signals back as they were. */
  close(): void {
    this.deliver = undefined;
    process.removeListener('newListener', this.catchAgain);
    process.removeListener('removeListener', this.catchAgain);
    this.native.unwatchSignals();
  }

  // An API host's process.on(signal) installs libuv's handler over the addon's, and its last
  // removeListener leaves the default action: either takes the signal from the command. Node's
  // own newListener and removeListener listeners, added at its boot and so called before this
  // one, do that at once; caught again right after, the signal stays the init's, and once the
  // intake closes the host's listener has it back.
  private readonly catchAgain = (event: string | symbol) => {
    const signal = typeof event === 'string' ? (constants.signals as Record<string, number>)[event] : undefined;
    if (signal !== undefined && this.signals.includes(signal)) this.native.catchSignals([signal], FAULT_SIGNALS);
  };

  private wake(): void {
    const arrived = this.native.takeSignals();
    if (this.deliver) this.deliver(arrived);
    else this.held.push(...arrived);
  }
}

/**
 * Catches `signals` in the addon (counted, not lost) until the intake watches them; returns the
 * SIGTERM and SIGINT that Node's boot handler caught before: Node installs it with SA_RESETHAND
 * and re-raises, which PID 1 drops, so a disposition back at "default" is the only trace.
 */
export function catchFromBoot(native: Native, signals: number[]): number[] {
  const before = native.catchSignals(signals, FAULT_SIGNALS);
  return signals.filter((signal, index) => (signal === SIGTERM || signal === SIGINT) && before[index] === 'default');
}
