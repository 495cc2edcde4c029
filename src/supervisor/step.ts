import type { LogLevel } from '../platform/log';
import type { Effect, State } from './state';

/** A step of the supervisor: the state after an event, and what the driver is to do. */
export type Step = readonly [State, readonly Effect[]];

/** A log line as an effect. */
export function log(level: LogLevel, event: string, message: string, fields?: Record<string, unknown>): Effect {
  return { kind: 'log', level, event, message, fields };
}

/** `step`, then `next` from its state, with `effects` between: the effects in the order they were decided. */
export function andThen(step: Step, effects: readonly Effect[], next: (state: State) => Step): Step {
  const [state, more] = next(step[0]);
  return [state, [...step[1], ...effects, ...more]];
}
