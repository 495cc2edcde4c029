import { writeSync } from 'node:fs';

/** Message levels; a message shows when its rank is at most the verbosity (default 1). */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Verbosity when neither -v nor an environment variable says otherwise: errors and warnings. */
export const DEFAULT_VERBOSITY = 1;

/** Writes one log line to stderr. */
export type Log = (level: LogLevel, message: string) => void;

/** A logger printing `[tsinit] message` lines up to the given verbosity. */
export function createLog(verbosity: number): Log {
  return (level, message) => {
    if (RANK[level] <= verbosity) writeAll(2, `[tsinit] ${message}\n`);
  };
}

/**
 * Writes synchronously to a raw fd. Never through process.stdout/stderr: Node may switch the
 * file description it shares with CMD to O_NONBLOCK, and async writes are lost at exit.
 * A full or closed pipe (EAGAIN, EPIPE) drops the rest: logging must never kill the init.
 */
export function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text);
  try {
    while (buffer.length > 0) buffer = buffer.subarray(writeSync(fd, buffer));
  } catch {
    // dropped, as said above
  }
}
