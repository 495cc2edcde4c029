import { writeSync } from 'node:fs';

/** Message levels; a message shows when its rank is at most the verbosity. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** `text` lines for people, or one JSON object a line for log pipelines. */
export type LogFormat = 'text' | 'json';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Verbosity when neither -v nor an environment variable says otherwise: errors and warnings. */
export const DEFAULT_VERBOSITY = 1;

/** Highest meaningful verbosity (-vv: every signal and every reap). */
export const MAX_VERBOSITY = 3;

/** Writes one lifecycle event to stderr, if its level is shown. */
export interface Log {
  (level: LogLevel, event: string, message: string, fields?: Record<string, unknown>): void;
  /** Whether a level is shown, to skip work only its messages need. */
  shows(level: LogLevel): boolean;
}

/** A logger printing `[tsinit] message` lines, or JSON objects, up to the given verbosity. */
export function createLog(verbosity: number, format: LogFormat = 'text'): Log {
  const shows = (level: LogLevel) => RANK[level] <= verbosity;
  const log = (level: LogLevel, event: string, message: string, fields: Record<string, unknown> = {}) => {
    if (!shows(level)) return;
    const line =
      format === 'json'
        ? JSON.stringify({ time: new Date().toISOString(), level, event, message, ...fields })
        : `[tsinit] ${message}`;
    writeAll(2, `${line}\n`);
  };
  return Object.assign(log, { shows });
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
