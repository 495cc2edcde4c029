import { parseDuration } from '../config/durations';
import type { Said } from '../config/environment';
import { UsageError } from './usage-error';

/** A duration as typed (`500ms`, `10s`, `2m`, seconds) in ms; refused naming who gave it. */
export function durationMs({ value: text, by }: Said<string>): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`bad duration for ${by}: ${text} (want e.g. 500ms, 10s, 2m)`);
  return ms;
}

/** `S:DURATION` rules as [signal as typed, ms]: the settings check judges the signal. */
export function delayRules({ value: rules, by }: Said<string[]>): [string, number][] {
  return rules.map((rule) => {
    const [held, duration, ...rest] = rule.split(':');
    if (duration === undefined || rest.length > 0) throw new UsageError(`bad delay for ${by}: ${rule} (want SIGNAL:DURATION, e.g. TERM:5s)`);
    return [held, durationMs({ value: duration, by })];
  });
}

/** `S:R` rules as [S, R] as typed: the settings check judges both signals. */
export function rewriteRules({ value: rules, by }: Said<string[]>): [string, string][] {
  return rules.map((rule) => {
    const [from, to, ...rest] = rule.split(':');
    if (to === undefined || rest.length > 0) throw new UsageError(`bad rewrite for ${by}: ${rule} (want SIGNAL:SIGNAL, e.g. TERM:QUIT or 15:0)`);
    return [from, to];
  });
}

/** Exit codes as typed: digits become numbers, anything else stays text for the settings check to refuse as typed. */
export function exitCodes({ value: codes }: Said<string[]>): (number | string)[] {
  return codes.map((text) => (/^\d+$/.test(text) ? Number(text) : text));
}

/** `N` or `auto`: digits become a number, anything else stays text for the settings check to refuse as typed. */
export function workersValue({ value: text }: Said<string>): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}
