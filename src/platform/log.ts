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

/** Receives every lifecycle event, shown or not: the programmatic API's listeners, whenever attached. */
export interface EventSink {
  event(name: string, fields: Record<string, unknown>): void;
}

/** Reports one lifecycle event: to stderr if its level is shown, and to the sink if any. */
export interface Log {
  (level: LogLevel, event: string, message: string, fields?: Record<string, unknown>): void;
  /** Whether a level's events are wanted (shown, or a sink takes every event), to skip work only they need. */
  wants(level: LogLevel): boolean;
}

/** A logger printing `[tsinit] message` lines, or JSON objects, up to the given verbosity. */
export function createLog(verbosity: number, format: LogFormat = 'text', sink?: EventSink): Log {
  const shows = (level: LogLevel) => RANK[level] <= verbosity;
  const log = (level: LogLevel, event: string, message: string, fields: Record<string, unknown> = {}) => {
    if (shows(level)) {
      const line =
        format === 'json'
          ? JSON.stringify({ time: new Date().toISOString(), level, event, message, ...fields })
          : `[tsinit] ${escapeControls(message)}`;
      writeAll(2, `${line}\n`);
    }
    sink?.event(event, fields); // after the line: what a listener logs follows it
  };
  return Object.assign(log, { wants: (level: LogLevel) => shows(level) || sink !== undefined });
}

/**
 * A line break, an escape sequence or any control character in a text line came from outside
 * (a command's name, an argument, an error): written as \n, \x1b..., so that every `[tsinit]`
 * line on stderr is tsinit's own and none can be forged. JSON escapes them by itself.
 */
function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (char) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    const code = char.charCodeAt(0);
    return named[char] ?? (code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`);
  });
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
