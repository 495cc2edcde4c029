import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { readProcFile } from './process-tree';

/** How one child ended, as waitpid reported it. */
export interface Reaped {
  pid: number;
  exitCode: number | null;
  signal: number | null;
  /** Its /proc comm, read while it was a zombie, when reapAll reported every child (absent without /proc). */
  name?: string;
}

/** What the forked child does before exec. */
export interface SpawnOptions {
  newSession: boolean;
  foreground: boolean;
  /** Written to the child's /proc/self/oom_score_adj before exec; absent: inherited. */
  oomScoreAdj?: number;
  /** `NAME=VALUE` entries over the init's own environment (an entry of the same name is replaced). */
  environment?: Buffer[];
  /** These fds become the command's 3, 4, ... in this order, blocking (socket activation); no other fd above 2 is inherited. */
  passFds?: number[];
  /** A variable set to the command's own pid between fork and exec (systemd's LISTEN_PID). */
  pidVariable?: string;
}

/** How a signal is handled now, as sigaction reports it. */
export type Disposition = 'default' | 'ignore' | 'handler';

/**
 * What the addon's handler (or its signal thread) does with no JS while runs are up: tables the
 * supervisor computed from its one signal policy and its exit policy. C applies them, never decides.
 */
export interface FastPathPlan {
  /** The runs' pids: forwards go to their groups (`group`) or to each alone; their ends wake JS. */
  targets: number[];
  group: boolean;
  /** Indexed by signal number (65 entries): 0 leaves the signal to JS, -1 drops it, n > 0 sends it as n. */
  forwardAs: number[];
  /** Orphans (exited children that are no target) are reaped in the handler, unreported. */
  reapOrphans: boolean;
  /** Every forward the handler makes wakes JS, which reads it back with takeFastPathReport. */
  report: boolean;
  /**
   * When a target's end is reaped on the loop, the process ends at once with exitCodes[status]
   * or signalCodes[signal], when no other process is left (or even then, with `always`).
   */
  exit?: { exitCodes: number[]; signalCodes: number[]; always: boolean };
}

/**
 * What the fast path did with one signal since the last report: the arrivals it took (each sent
 * to every target, or dropped), and the forwards to a target the kernel refused, with the last errno.
 */
export interface FastPathReport {
  signal: number;
  forwarded: number;
  failed: number;
  errno: number;
}

/** The addon's syscalls (native/*.c); expected errno come back as data, others throw with `code`. */
export interface Native {
  setChildSubreaper(on: boolean): void;
  setParentDeathSignal(signal: number): void;
  /** tcsetpgrp(0, pgid) with SIGTTOU blocked: 0 or the errno. */
  setForegroundGroup(pgid: number): number;
  /** ioctl(0, TIOCNOTTY): 0 or the errno. */
  releaseTerminal(): number;
  signalDisposition(signal: number): Disposition;
  setSignalIgnored(signal: number, ignored: boolean): void;
  memfdCreate(name: string): number;
  isTerminal(fd: number): boolean;
  setEnvironment(name: string, value: string | Buffer): void;
  exit(code: number): never;
  execve(file: string | Buffer, argv: (string | Buffer)[]): never;
  /** kill(2): true when delivered, false when nobody is there (ESRCH). */
  kill(pid: number, signal: number): boolean;
  /** pidfd_open(2): the fd, or -1 when the process is gone (ESRCH); throws ENOSYS before Linux 5.3. */
  pidfdOpen(pid: number): number;
  /** pidfd_send_signal(2): true when delivered, false when the process has ended (ESRCH). */
  pidfdSendSignal(fd: number, signal: number): boolean;
  /** As PID 1: no other process in the namespace; otherwise no child at all (zombies count). */
  nothingLeft(): boolean;
  /** Reaps every exited child; reports them all (with names), or only those in `onlyPids`. */
  reapAll(onlyPids?: number[]): Reaped[];
  /** In-process PID 1 (register): reaps only exited children no libuv process handle owns, so child_process keeps its statuses; `blocked` when a libuv-owned zombie heads the queue or the bound was hit (call again on the next check phase); `atExit`, libuv's too (libuv reaps no more), never a worker thread's. Main thread, never from a signal handler. */
  reapUnowned(atExit?: boolean): { reaped: Reaped[]; blocked: boolean };
  /** The same pass run by the addon on each SIGCHLD, with no JS (unref'd: it never keeps the app alive); `onReaped` hears of each pass only while reportOrphans(true). */
  watchOrphans(onReaped: (reaped: Reaped[]) => void): void;
  /** Whether watchOrphans' onReaped hears of every pass: orphans logged, or a tree stop waiting for the tree to empty. */
  reportOrphans(on: boolean): void;
  /** The signal that stopped child `pid`, or 0 when it is not stopped. */
  stopSignal(pid: number): number;
  /**
   * Catches `signals` with the addon's handler, which counts each arrival (held until taken);
   * `faults` among them are real faults when the kernel or this process raised them, and then go
   * to the action from before. A signal this process sent itself is never counted. Returns each
   * signal's previous disposition.
   */
  catchSignals(signals: number[], faults: number[]): Disposition[];
  /** Calls `onWake` on the loop whenever arrivals are counted or the fast path has a report. */
  watchSignals(onWake: () => void): void;
  /** The arrivals counted and not yet taken, each as often as it came, per signal ascending. */
  takeSignals(): number[];
  /** Gives every caught signal its action from before, drops the counts, ends the watch. */
  unwatchSignals(): void;
  /** A thread of the addon's takes every caught signal but the faults with sigwaitinfo, as tini does; the other threads block them for good. 0 or the errno. */
  takeSignalsOnThread(): number;
  /** From now on the handler applies `plan` (see FastPathPlan); replaces any plan before. */
  armFastPath(plan: FastPathPlan): void;
  /** Ends the plan: every signal and every exit comes to JS again; returns once no handler acts on the old one. */
  disarmFastPath(): void;
  /** What the fast path forwarded (and failed to) since the last call, per received signal. */
  takeFastPathReport(): FastPathReport[];
  /** A TCP socket bound to an IP literal (v4, or v6 without brackets) and port, listening, close-on-exec: its fd; throws with the errno's code (EADDRINUSE). */
  listenTcp(host: string, port: number, backlog: number): number;
  /** A unix stream socket bound to `path` (which must not exist), listening, close-on-exec: its fd; throws with the errno's code. */
  listenUnix(path: string, backlog: number): number;
  /** madvise(MADV_DONTNEED) on [start, start + length): 0 or the errno. */
  releasePages(start: number, length: number): number;
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
  const failures: { candidate: string; reason: string; error: Error }[] = [];
  const local = path.join(__dirname, '..', `tsinit.${platform}.node`); // a build in a checkout
  const tried = attempt(local);
  if ('addon' in tried) return tried.addon;
  failures.push({ candidate: local, ...tried });
  // The platform package, named after this package the napi-rs way, and only at its version.
  const { name: packageName, version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; version: string };
  const name = `${packageName}-${platform}`;
  const fromPackage = attempt(name);
  if (!('addon' in fromPackage)) failures.push({ candidate: name, ...fromPackage });
  else {
    const found = (require(`${name}/package.json`) as { version: string }).version;
    if (found === version) return fromPackage.addon;
    failures.push({ candidate: name, reason: `version ${found}, not tsinit's ${version}`, error: new Error(`${name} ${found}`) });
  }
  const reasons = failures.map(({ candidate, reason }) => `${candidate} (${reason})`).join(', ');
  throw new Error(`no native addon for ${platform}; tried ${reasons}`, { cause: new AggregateError(failures.map(({ error }) => error)) });
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
