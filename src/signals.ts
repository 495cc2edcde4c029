import { constants } from 'node:os';

const NUMBERS: Record<string, number> = constants.signals;

// SIGCHLD is the reaper's; KILL and STOP cannot be caught; a JS listener on a fault signal
// turns a real fault into a 100 % CPU spin, so those keep their default action.
const NOT_FORWARDED = new Set(
  ['SIGCHLD', 'SIGKILL', 'SIGSTOP', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGSYS'].map((name) => NUMBERS[name]),
);

/** SIGCHLD's number, which tells the init to reap. */
export const SIGCHLD = NUMBERS.SIGCHLD;

/** Every signal the init forwards: all catchable ones but SIGCHLD, real-time ones included. */
export function forwardableSignals([rtMin, rtMax]: [number, number]): number[] {
  const named = Object.values(NUMBERS).filter((number) => !NOT_FORWARDED.has(number));
  const realtime = Array.from({ length: rtMax - rtMin + 1 }, (_, i) => rtMin + i);
  return [...new Set([...named, ...realtime])];
}

/** A readable name for logs: SIGTERM, or SIGRTMIN+3 relative to this libc's SIGRTMIN. */
export function signalName(number: number, [rtMin, rtMax]: [number, number]): string {
  if (number >= rtMin && number <= rtMax) return number === rtMin ? 'SIGRTMIN' : `SIGRTMIN+${number - rtMin}`;
  return Object.keys(NUMBERS).find((name) => NUMBERS[name] === number) ?? `signal ${number}`;
}
