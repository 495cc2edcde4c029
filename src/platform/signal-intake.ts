import type { Native } from './native';
import { SIGINT, SIGTERM } from './signals';

/**
 * Every signal the init handles, watched from its first lines on: until the lifecycle has
 * spawned CMD and opens the intake, signals are held, then delivered in the order they came.
 * A signal the kernel delivers to PID 1 with no handler is lost, so watching cannot wait.
 */
export class SignalIntake {
  private readonly held: number[];
  private deliver: ((signal: number) => void) | undefined;

  /** Starts watching `signals`; `earlier` are signals that came before (the restart's, Node's boot). */
  constructor(
    private readonly native: Native,
    readonly signals: number[],
    earlier: number[] = [],
  ) {
    this.held = [...earlier];
    const held = native.watchSignals(signals, (signal) => (this.deliver ? this.deliver(signal) : this.held.push(signal)));
    this.held.push(...held);
  }

  /** From now on every signal goes to `deliver`, the held ones first. */
  open(deliver: (signal: number) => void): void {
    this.deliver = deliver;
    for (const signal of this.held.splice(0)) deliver(signal);
  }

  /** Takes out the signals held so far: what the init hands over across its restart. */
  takeHeld(): number[] {
    return this.held.splice(0);
  }

  /** Stops watching, giving the process its signals back as they were. */
  close(): void {
    this.deliver = undefined;
    this.native.unwatchSignals();
  }
}

/**
 * Holds `signals` in the addon (counted, not lost) until the intake watches them; returns the
 * SIGTERM and SIGINT that Node's boot handler caught before: Node installs it with SA_RESETHAND
 * and re-raises, which PID 1 drops, so a disposition back at "default" is the only trace.
 */
export function holdFromBoot(native: Native, signals: number[]): number[] {
  const before = native.holdSignals(signals);
  return signals.filter((signal, index) => (signal === SIGTERM || signal === SIGINT) && before[index] === 'default');
}
