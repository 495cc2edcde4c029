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

  /** Starts watching the signals caught so far; `earlier` came before (the restart's, Node's boot). */
  constructor(
    private readonly native: Native,
    earlier: number[] = [],
  ) {
    this.held = [...earlier];
    native.watchSignals(() => this.wake());
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
    this.native.unwatchSignals();
  }

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
