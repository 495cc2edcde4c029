import { constants } from 'node:os';
import { vi } from 'vitest';
import { DEFAULT_GRACE_MS, normaliseSettings, type GivenSettings } from '../src/config/settings';
import type { Log, LogLevel } from '../src/platform/log';
import { SignalIntake } from '../src/platform/signal-intake';
import type { RealtimeRange } from '../src/platform/signals';
import { supervise } from '../src/supervisor/driver';
import { policyFor } from '../src/supervisor/run-supervisor';
import { FakeNative, type FakeProcess } from './fake-native';

/** glibc's range, as the CLI on this machine has it. */
export const REALTIME: RealtimeRange = [34, 64];

export const { SIGCONT, SIGHUP, SIGINT, SIGKILL, SIGSTOP, SIGTERM, SIGTSTP, SIGUSR1, SIGUSR2 } = constants.signals;

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** One line the supervisor logged (or the event an API listener heard). */
export interface Line {
  level: LogLevel;
  event: string;
  message: string;
  fields: Record<string, unknown>;
}

/** How a test starts the supervisor besides its settings. */
export interface HarnessOptions {
  /** 0-3, as -v counts: which lines the log shows (the fast path reads it). */
  verbosity?: number;
  /** tsinit's pid: 1, or a subreaper's. */
  pid?: number;
  command?: string[];
  foreground?: boolean;
  /** The first log line of this event throws, as an API listener that throws. */
  throwOn?: string;
  /** Sets the fake kernel up before the first spawn. */
  before?: (native: FakeNative) => void;
  /** Signals the intake holds from before the start (the NODE_OPTIONS restart hands some over). */
  held?: number[];
  /** --workers N: a pool. */
  workers?: number;
}

/**
 * The supervisor on the fake kernel, in-process, with vitest's fake timers: the settings as
 * config makes them, the policy as the CLI makes it. `settle` runs what is due (microtasks, and
 * timers up to `ms` from now).
 */
export function startSupervisor(given: GivenSettings = {}, { verbosity = 3, pid = 1, command = ['app'], foreground = false, throwOn, before, held = [], workers }: HarnessOptions = {}) {
  const native = new FakeNative(pid);
  before?.(native);
  const lines: Line[] = [];
  const log: Log = Object.assign(
    (level: LogLevel, event: string, message: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, event, message, fields });
      if (event === throwOn && lines.filter((line) => line.event === event).length === 1) throw new Error(`a listener of ${event} threw`);
    },
    { wants: (level: LogLevel) => RANK[level] <= verbosity },
  );
  const settings = normaliseSettings(given, DEFAULT_GRACE_MS, REALTIME);
  const commandBytes = command.map((word) => Buffer.from(word));
  const pool = workers === undefined ? {} : { workers: { count: workers, from: '--workers' } };
  const options = { ...settings, ...pool, command, commandBytes, searchPath: undefined, realtime: REALTIME };
  const policy = policyFor(options, log, { foreground }, pid);
  let code: number | undefined;
  const world = { native, processes: native.table, log, intake: new SignalIntake(native, [], held), now: () => Date.now() };
  const exited = supervise(policy, { commandBytes, searchPath: undefined, newSession: settings.newSession, listeners: { fds: [], names: [] } }, world).then((exitCode) => {
    world.intake.close();
    code = exitCode;
  });
  const events = (name?: string) => lines.filter((line) => name === undefined || line.event === name);
  return {
    native,
    lines,
    exited,
    /** The exit code, once the supervisor is done. */
    code: () => code,
    events,
    messages: (level?: LogLevel) => lines.filter((line) => level === undefined || line.level === level).map((line) => line.message),
    /** The command as last spawned. */
    command: (): FakeProcess => native.processes.get(events('spawned').at(-1)!.fields.pid as number)!,
    spawns: () => events('spawned').length,
    settle: (ms = 0) => vi.advanceTimersByTimeAsync(ms),
  };
}
