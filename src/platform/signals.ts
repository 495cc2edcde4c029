import { constants } from 'node:os';

const NUMBERS: Record<string, number> = constants.signals;

/** [SIGRTMIN, SIGRTMAX] of a libc: glibc keeps 32-33 for its threads, musl 32-34. */
export type RealtimeRange = [number, number];

// SIGCHLD is the reaper's; KILL and STOP cannot be caught; the init ignores the terminal's TTIN
// and TTOU (as tini): with a handler, its own write to a terminal that CMD owns (`stty tostop`)
// would raise SIGTTOU, the handler return and the write restart, forever.
const NOT_FORWARDED = new Set(['SIGCHLD', 'SIGKILL', 'SIGSTOP', 'SIGTTIN', 'SIGTTOU'].map((name) => NUMBERS[name]));

/**
 * The signals a fault raises. Caught by the addon alone, never by a JS listener (a real fault
 * would then spin at 100 % CPU): sent by another process they are forwarded like any other;
 * raised by tsinit itself (a real fault, Node's abort) they take the action from before.
 */
export const FAULT_SIGNALS = ['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGSYS'].map((name) => NUMBERS[name]);

/** The numbers the lifecycle compares against. */
export const { SIGCHLD, SIGCONT, SIGHUP, SIGINT, SIGKILL, SIGSTOP, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU } = constants.signals;

/** Every signal the init watches: SIGCHLD for the reaper, and every one it forwards. */
export function watchedSignals(realtime: RealtimeRange): number[] {
  return [SIGCHLD, ...forwardableSignals(realtime)];
}

/** The real-time range Node's libc reserves for applications. */
export function realtimeRange(libc: 'gnu' | 'musl'): RealtimeRange {
  return [libc === 'musl' ? 35 : 34, 64];
}

/** Every signal the init forwards: all catchable ones but SIGCHLD, real-time ones included. */
export function forwardableSignals([rtMin, rtMax]: RealtimeRange): number[] {
  const named = Object.values(NUMBERS).filter((number) => !NOT_FORWARDED.has(number));
  const realtime = Array.from({ length: rtMax - rtMin + 1 }, (_, i) => rtMin + i);
  return [...new Set([...named, ...realtime])];
}

/** A readable name for logs: SIGTERM, or SIGRTMIN+3 relative to this libc's SIGRTMIN. */
export function signalName(number: number, [rtMin, rtMax]: RealtimeRange): string {
  if (number >= rtMin && number <= rtMax) return number === rtMin ? 'SIGRTMIN' : `SIGRTMIN+${number - rtMin}`;
  return Object.keys(NUMBERS).find((name) => NUMBERS[name] === number) ?? `signal ${number}`;
}

/** A signal from a number or a name in any case, with or without SIG (TERM, sigterm, RTMIN+2). */
export function parseSignal(text: string, [rtMin, rtMax]: RealtimeRange): number | undefined {
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    return (number >= 1 && number < 32) || (number >= rtMin && number <= rtMax) ? number : undefined;
  }
  const name = text.toUpperCase().replace(/^SIG/, '');
  const realtime = /^RT(MIN|MAX)([+-]\d+)?$/.exec(name);
  if (!realtime) return NUMBERS[`SIG${name}`];
  const number = (realtime[1] === 'MIN' ? rtMin : rtMax) + Number(realtime[2] ?? 0);
  return number >= rtMin && number <= rtMax ? number : undefined;
}
