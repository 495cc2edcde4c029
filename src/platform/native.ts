import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { readProcFile } from './process-tree';

/** How one child ended, as waitpid reported it. */
export interface Reaped {
  pid: number;
  exitCode: number | null;
  signal: number | null;
  /** Its /proc comm, when reapAll reported every child. */
  name?: string;
}

/** What the forked child does before exec. */
export interface SpawnOptions {
  newSession: boolean;
  foreground: boolean;
  /** Written to the child's /proc/self/oom_score_adj before exec; absent: inherited. */
  oomScoreAdj?: number;
}

/** How a signal is handled now, as sigaction reports it. */
export type Disposition = 'default' | 'ignore' | 'handler';

/** The addon's syscalls (native/tsinit.c); expected errno come back as data (0: none). */
export interface Native {
  setChildSubreaper(on: boolean): void;
  setParentDeathSignal(signal: number): void;
  setForegroundGroup(pgid: number): number;
  releaseTerminal(): number;
  signalDisposition(signal: number): Disposition;
  setSignalIgnored(signal: number, ignored: boolean): void;
  memfdCreate(name: string): number;
  isTerminal(fd: number): boolean;
  setEnvironment(name: string, value: string | Buffer): void;
  exit(code: number): never;
  execve(file: string | Buffer, argv: (string | Buffer)[]): never;
  kill(pid: number, signal: number): boolean;
  /** Reaps every exited child; reports them all, or only `onlyPid` when given. */
  reapAll(onlyPid?: number): Reaped[];
  /** The signal that stopped child `pid`, or 0 when it is not stopped. */
  stopSignal(pid: number): number;
  /** Catches `signals` with the addon's counting handler; returns each one's previous disposition. */
  holdSignals(signals: number[]): Disposition[];
  /** The arrivals counted and not yet delivered, taken out. */
  takeHeldSignals(): number[];
  /** Catches `signals` and calls `onSignal` on the loop for each arrival; returns those counted before. */
  watchSignals(signals: number[], onSignal: (signal: number) => void): number[];
  /** Gives every caught signal its action from before. */
  unwatchSignals(): void;
  /** The handler itself sends signals[i] as forwardAs[i] (-1: drops it) to CMD's group or CMD, until CMD's end is seen. */
  forwardInHandler(pid: number, group: boolean, signals: number[], forwardAs: number[]): void;
  /** Orphans are reaped in the signal handler, unreported; CMD's end still wakes JS, or with fastExit ends the process when nothing is left (always: at once). */
  reapInLoop(pid: number, fastExit: boolean, always: boolean, remapToZero: number[]): void;
  /** A thread of the addon's takes every caught signal with sigwaitinfo, as tini does; the other threads block them for good. 0 or the errno. */
  takeSignalsOnThread(): number;
  /** madvise(MADV_DONTNEED) on [start, start + length): 0 or the errno. */
  releasePages(start: number, length: number): number;
  /** Ends forwardInHandler and reapInLoop: every signal and status comes to JS again. */
  endFastPath(): void;
  spawn(paths: Buffer[], argv: Buffer[], options: SpawnOptions): { pid: number } | { errno: number };
}

/** ENOENT for 2: errno numbers from the addon, named for messages. */
export function errnoName(errno: number): string {
  return Object.keys(constants.errno).find((name) => constants.errno[name as keyof typeof constants.errno] === errno) ?? `errno ${errno}`;
}

/** Environment variable naming an addon file to load instead of the detected one. */
export const NATIVE_OVERRIDE_VARIABLE = 'TSINIT_NATIVE_LIBRARY_PATH';

/** musl or glibc, from the libc mapped into this process: no ldd; process.report only where /proc is not mounted. */
export function detectLibc(): 'gnu' | 'musl' {
  const maps = readProcFile('/proc/self/maps');
  if (maps === undefined) return (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime ? 'gnu' : 'musl';
  return /\/ld-musl-|\/libc\.musl-/.test(maps.toString('latin1')) ? 'musl' : 'gnu';
}

/** Loads the addon the napi-rs way: override variable, file beside the package, platform package. */
export function loadNative(libc: 'gnu' | 'musl'): Native {
  const platform = `${process.platform}-${process.arch}-${libc}`;
  const override = process.env[NATIVE_OVERRIDE_VARIABLE];
  // Set, the override is the only candidate: a wrong path is an error, not a silent fallback.
  if (override) {
    const tried = attempt(override);
    if ('addon' in tried) return tried.addon;
    throw new Error(`${NATIVE_OVERRIDE_VARIABLE}=${override}: cannot load it (${tried.reason})`, { cause: tried.error });
  }
  const name = `tsinit-${platform}`;
  const failures: { candidate: string; reason: string; error: Error }[] = [];
  for (const candidate of [path.join(__dirname, '..', `tsinit.${platform}.node`), name]) {
    const tried = attempt(candidate);
    if (!('addon' in tried)) failures.push({ candidate, ...tried });
    else if (candidate !== name) return tried.addon;
    else {
      // The platform package only at tsinit's own version.
      const found = (require(`${name}/package.json`) as { version: string }).version;
      const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
      if (found === version) return tried.addon;
      failures.push({ candidate, reason: `version ${found}, not tsinit's ${version}`, error: new Error(`${name} ${found}`) });
    }
  }
  const tried = failures.map(({ candidate, reason }) => `${candidate} (${reason})`).join(', ');
  throw new Error(`no native addon for ${platform}; tried ${tried}`, { cause: new AggregateError(failures.map(({ error }) => error)) });
}

// require() of an addon, or why not (dlopen's own words, or "not found").
function attempt(candidate: string): { addon: Native } | { reason: string; error: Error } {
  try {
    return { addon: require(candidate) as Native };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    // --no-addons or --experimental-permission, most often from NODE_OPTIONS, which Node applies
    // before any code of tsinit's can set it aside.
    if (code === 'ERR_DLOPEN_DISABLED') throw new Error('Node may not load native addons here (--no-addons or --experimental-permission, in NODE_OPTIONS?): tsinit needs its addon; give those options to the command alone');
    return { reason: code === 'MODULE_NOT_FOUND' ? 'not found' : message.split('\n')[0], error: error as Error };
  }
}
