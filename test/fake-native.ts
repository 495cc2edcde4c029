import { constants } from 'node:os';
import type { Disposition, FastPathPlan, FastPathReport, Native, Reaped, SpawnOptions } from '../src/platform/native';
import type { ProcessInfo } from '../src/platform/process-tree';
import type { ProcessTable } from '../src/supervisor/tree-stop';

const { SIGCHLD, SIGCONT, SIGKILL, SIGSTOP, SIGTSTP, SIGWINCH, SIGURG } = constants.signals;

/** A process of the fake kernel: what it does with signals, and what it got. */
export interface FakeProcess {
  pid: number;
  ppid: number;
  pgid: number;
  name: string;
  state: 'R' | 'T' | 'Z';
  /** Signals it catches or ignores: they do not end it. */
  ignores: Set<number>;
  /** The kernel refuses to let tsinit signal it (a setuid process). */
  refuses: boolean;
  received: number[];
  status?: { exitCode: number | null; signal: number | null };
}

// What a signal's default action does: these neither end nor stop a process.
const HARMLESS = new Set([SIGCHLD, SIGCONT, SIGWINCH, SIGURG]);
const STOPS = new Set([SIGSTOP, SIGTSTP]);

/**
 * The addon's interface over a kernel of plain objects: processes that die of signals, zombies
 * until reaped, SIGCHLD counted as an arrival, the fast path's table applied as C applies it.
 * The supervisor runs against it in-process, in milliseconds. Wakes come on a later microtask,
 * as the loop's uv_async would.
 */
export class FakeNative implements Native {
  readonly processes = new Map<number, FakeProcess>();
  /** Every kill() tsinit made: [pid, signal] (negative pid: a group). */
  readonly kills: [number, number][] = [];
  plan: FastPathPlan | undefined;
  /** Commands whose exec fails, with the errno. */
  readonly execFailures = new Map<string, number>();
  /** What each spawn was asked for (the environment, the fds passed). */
  readonly spawnOptions: SpawnOptions[] = [];
  /** Set to make the next spawn's fork fail (pids.max). */
  forkFails = false;
  /** Called with each command spawned: a test's script of what it does. */
  onSpawn: (process: FakeProcess) => void = () => {};
  suspended = 0;
  subreaper = false;
  /** /proc shows this PID namespace: off, the tree cannot be listed. */
  procIsOurs = true;
  private nextPid = 100;
  private arrivals = new Map<number, number>();
  private reports = new Map<number, FakePathCounts>();
  private onWake: (() => void) | undefined;
  private wakePending = false;

  /** `ownPid`: tsinit's, the parent of what it spawns and of every orphan. */
  constructor(private readonly ownPid = 1) {}

  /** A signal from outside arrives at tsinit. */
  deliver(signal: number): void {
    if (this.plan && this.plan.forwardAs[signal] !== 0) return this.forwardInHandler(signal);
    this.count(signal);
  }

  /** A process of the tree ends by itself (or is killed from elsewhere). */
  end(pid: number, status: { exitCode: number | null; signal: number | null }): void {
    const process = this.processes.get(pid)!;
    process.state = 'Z';
    process.status = status;
    for (const child of this.processes.values()) if (child.ppid === pid) child.ppid = this.ownPid; // orphans come to the init
    this.count(SIGCHLD);
  }

  /** A process the command started: a child of `parent`, in its group (or, with `setsid`, in a session of its own). */
  fork(parent: number, name: string, options: Partial<Pick<FakeProcess, 'ignores' | 'refuses'>> & { setsid?: boolean } = {}): FakeProcess {
    const { setsid, ...rest } = options;
    const child = this.add({ ppid: parent, pgid: this.processes.get(parent)!.pgid, name, ...rest });
    if (setsid) child.pgid = child.pid;
    return child;
  }

  /** The processes still there (zombies included). */
  alive(): FakeProcess[] {
    return [...this.processes.values()];
  }

  /** The tree as the supervisor's TreeStop sees it through /proc and pidfds. */
  readonly table: ProcessTable = {
    descendants: () => this.alive().map((p) => this.info(p)),
    ours: () => this.procIsOurs,
    signal: (info, signal) => this.kill(info.pid, signal),
  };

  setChildSubreaper(on: boolean): void {
    this.subreaper = on;
  }
  setParentDeathSignal(): void {}
  setForegroundGroup(): number {
    return 0;
  }
  releaseTerminal(): number {
    return 25; // ENOTTY
  }
  signalDisposition(): Disposition {
    return 'default';
  }
  setSignalIgnored(): void {}
  memfdCreate(): number {
    throw new Error('not in the fake');
  }
  isTerminal(): boolean {
    return false;
  }
  setEnvironment(): void {}
  exit(): never {
    throw new Error('the supervisor never exits the process itself');
  }
  execve(): never {
    throw new Error('not in the fake');
  }

  kill(pid: number, signal: number): boolean {
    if (pid === this.ownPid && signal === SIGSTOP) return (this.suspended++, true);
    this.kills.push([pid, signal]);
    const targets = pid === -1 ? this.alive() : pid < 0 ? this.alive().filter((p) => p.pgid === -pid) : this.alive().filter((p) => p.pid === pid);
    if (targets.length === 0) return false;
    for (const target of targets) {
      if (target.refuses) throw Object.assign(new Error('kill: Operation not permitted'), { code: 'EPERM' });
      if (target.state === 'Z') continue;
      target.received.push(signal);
      if (signal === SIGCONT && target.state === 'T') target.state = 'R';
      else if (STOPS.has(signal) && !target.ignores.has(signal)) target.state = 'T';
      else if (signal === SIGKILL || (!HARMLESS.has(signal) && !target.ignores.has(signal))) this.end(target.pid, { exitCode: null, signal });
    }
    return true;
  }

  pidfdOpen(): number {
    throw new Error('the fake signals through its process table');
  }
  pidfdSendSignal(): boolean {
    throw new Error('the fake signals through its process table');
  }

  nothingLeft(): boolean {
    return this.processes.size === 0;
  }

  /** Children libuv owns (child_process's): reapUnowned leaves them, and stops at the first that ended. */
  readonly owned = new Set<number>();
  reapUnowned(atExit = false): { reaped: Reaped[]; blocked: boolean } {
    const reaped: Reaped[] = [];
    for (const p of this.alive()) {
      if (p.state !== 'Z' || p.ppid !== this.ownPid) continue;
      if (this.owned.has(p.pid) && !atExit) return { reaped, blocked: true };
      this.processes.delete(p.pid);
      reaped.push({ pid: p.pid, ...p.status!, name: p.name });
    }
    return { reaped, blocked: false };
  }

  /** watchOrphans' callback, and whether it hears of passes. */
  orphanWatch: { onReaped: (reaped: Reaped[]) => void; report: boolean } | undefined;
  watchOrphans(onReaped: (reaped: Reaped[]) => void): void {
    this.orphanWatch = { onReaped, report: false };
  }
  reportOrphans(on: boolean): void {
    this.orphanWatch!.report = on;
  }
  /** A SIGCHLD as the addon's watch takes it: a pass, reported when reporting is on. */
  orphanPass(): void {
    const { reaped } = this.reapUnowned();
    if (this.orphanWatch?.report) this.orphanWatch.onReaped(reaped);
  }

  reapAll(onlyPids?: number[]): Reaped[] {
    const reaped: Reaped[] = [];
    for (const p of this.alive()) {
      if (p.state !== 'Z' || p.ppid !== this.ownPid) continue;
      this.processes.delete(p.pid);
      if (!onlyPids || onlyPids.includes(p.pid)) reaped.push({ pid: p.pid, ...p.status!, ...(onlyPids ? {} : { name: p.name }) });
    }
    return reaped;
  }

  stopSignal(pid: number): number {
    const p = this.processes.get(pid);
    return p?.state === 'T' ? p.received.filter((signal) => STOPS.has(signal)).at(-1)! : 0;
  }

  catchSignals(signals: number[]): Disposition[] {
    return signals.map(() => 'default');
  }
  watchSignals(onWake: () => void): void {
    this.onWake = onWake;
  }
  takeSignals(): number[] {
    const taken = [...this.arrivals].sort(([a], [b]) => a - b).flatMap(([signal, count]) => Array<number>(count).fill(signal));
    this.arrivals.clear();
    return taken;
  }
  unwatchSignals(): void {
    this.onWake = undefined;
  }
  takeSignalsOnThread(): number {
    return 0;
  }
  armFastPath(plan: FastPathPlan): void {
    this.plan = plan;
  }
  disarmFastPath(): void {
    this.plan = undefined;
  }
  takeFastPathReport(): FastPathReport[] {
    const report = [...this.reports].map(([signal, counts]) => ({ signal, ...counts }));
    this.reports.clear();
    return report;
  }
  releasePages(): number {
    return 0;
  }

  /** The fake kernel has no sockets: an fd number, as if one were open. */
  listenTcp(): number {
    return 3;
  }
  listenUnix(): number {
    return 3;
  }

  spawn(_paths: Buffer[], argv: Buffer[], options: SpawnOptions): { pid: number } | { errno: number } {
    this.spawnOptions.push(options);
    if (this.forkFails) throw Object.assign(new Error('vfork: Resource temporarily unavailable'), { code: 'EAGAIN' });
    const name = argv[0].toString();
    const errno = this.execFailures.get(name);
    if (errno !== undefined) return { errno };
    const p = this.add({ ppid: this.ownPid, pgid: 0, name });
    p.pgid = p.pid;
    this.onSpawn(p);
    return { pid: p.pid };
  }

  // As the C handler does: the table's forward to every target, counted before the kill.
  private forwardInHandler(signal: number): void {
    const plan = this.plan!;
    const counts = this.reports.get(signal) ?? { forwarded: 0, failed: 0, errno: 0 };
    counts.forwarded++;
    this.reports.set(signal, counts);
    const as = plan.forwardAs[signal];
    if (as > 0) {
      for (const target of plan.targets) {
        try {
          if (!(plan.group && this.kill(-target, as))) this.kill(target, as);
        } catch {
          counts.failed++;
          counts.errno = 1; // EPERM
        }
      }
    }
    if (plan.report || counts.failed > 0) this.wake();
  }

  private add(fields: Pick<FakeProcess, 'ppid' | 'pgid' | 'name'> & Partial<FakeProcess>): FakeProcess {
    const p: FakeProcess = { pid: this.nextPid++, state: 'R', ignores: new Set(), refuses: false, received: [], ...fields };
    this.processes.set(p.pid, p);
    return p;
  }

  private info(p: FakeProcess): ProcessInfo {
    return { pid: p.pid, name: p.name, state: p.state, ppid: p.ppid, pgrp: p.pgid, session: p.pgid, tpgid: -1, startTime: p.pid };
  }

  private count(signal: number): void {
    this.arrivals.set(signal, (this.arrivals.get(signal) ?? 0) + 1);
    this.wake();
  }

  private wake(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    queueMicrotask(() => {
      this.wakePending = false;
      this.onWake?.();
    });
  }
}

interface FakePathCounts {
  forwarded: number;
  failed: number;
  errno: number;
}
