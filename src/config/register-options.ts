import { constants } from 'node:os';
import type { LogFormat } from '../platform/log';
import { FAULT_SIGNALS, forwardableSignals, parseSignal, SIGHUP, SIGINT, SIGTERM, signalName, type RealtimeRange } from '../platform/signals';
import { DEFAULT_GRACE_MS, normaliseSettings } from './settings';
import { logOptions, settingsOrTypeError } from './run-options';

/** How `register` (tsinit-pid1/register) makes the app its own PID 1; every field optional. */
export interface RegisterOptions {
  /** Milliseconds the app's children get between SIGTERM and SIGKILL when the app is stopped or exits. Default 5000. */
  graceMs?: number;
  /** The signals that end the app when it has no listener of its own for them, names or numbers. Default TERM, INT, HUP. */
  signals?: (string | number)[];
  /** Not PID 1: register as a child subreaper and reap the app's orphans all the same. Default off: nothing is done. */
  subreaper?: boolean;
  /** stderr log: 0 errors, 1 warnings (default), 2 lifecycle, 3 every reap. */
  verbosity?: number;
  /** `text` (default) or `json` lines on stderr. */
  logFormat?: LogFormat;
}

// What ends a Node app as PID 1 when it does not listen: docker stop, Ctrl-C, a closed terminal.
const ENDING_SIGNALS = [SIGTERM, SIGINT, SIGHUP];

/** RegisterOptions checked field by field: a bad one is a TypeError naming it. */
export function normaliseRegisterOptions(options: RegisterOptions, realtime: RealtimeRange) {
  if (typeof options !== 'object' || options === null) throw new TypeError('register: options must be an object');
  const { graceMs, subreaper } = settingsOrTypeError('register', () => normaliseSettings({ graceMs: options.graceMs, subreaper: options.subreaper }, DEFAULT_GRACE_MS, realtime));
  if (options.signals !== undefined && !Array.isArray(options.signals)) throw new TypeError('register: signals must be an array of signal names or numbers');
  const signals = (options.signals ?? ENDING_SIGNALS).map((given) => {
    const signal = typeof given === 'string' || typeof given === 'number' ? parseSignal(String(given), realtime) : undefined;
    // Not KILL or STOP (no listener), CHLD (the reaper's), TTIN/TTOU, a fault (a JS listener on a
    // real SEGV spins), nor a real-time one (process.on has no name for it: no handler, dropped).
    const listenable = signal !== undefined && signalName(signal, realtime) in constants.signals;
    if (!listenable || !forwardableSignals(realtime).includes(signal) || FAULT_SIGNALS.includes(signal)) throw new TypeError(`register: signals must be signals a process can listen for, not ${String(given)}`);
    return signal;
  });
  return { graceMs, subreaper, signals, ...logOptions('register', options) };
}
