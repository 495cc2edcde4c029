import type { Log, LogLevel } from '../platform/log';
import type { Native } from '../platform/native';
import { signalProcess } from '../platform/process-signal';
import { descendantsOf, pidsAndNames, procIsOurs, type ProcessInfo } from '../platform/process-tree';
import { SIGCONT, SIGKILL, SIGTERM } from '../platform/signals';

/** The processes below tsinit, as the tree stop sees and signals them (/proc and pidfds; a fake in tests). */
export interface ProcessTable {
  /** Every descendant of `root`, zombies included. */
  descendants(root: number): ProcessInfo[];
  /** Whether /proc shows this PID namespace: without it, pids there are not ours to signal. */
  ours(): boolean;
  /** `signal` to exactly that process, not one that took its pid since: false when gone; throws (EPERM) when refused. */
  signal(info: ProcessInfo, signal: number): boolean;
}

/** The kernel's process table: /proc for the tree, pidfds to signal exactly the process seen. */
export function kernelProcessTable(native: Native): ProcessTable {
  return { descendants: descendantsOf, ours: procIsOurs, signal: signalProcess.bind(null, native) };
}

/**
 * Stops every descendant of the init (group members, adopted orphans, daemons that called
 * setsid) when the supervisor says: SIGTERM to those running (stopped ones continued), later
 * SIGKILL to all. Processes started during the grace (a flush helper run from a SIGTERM trap) are
 * left alone until the SIGKILL. /proc is scanned again only once every child known from the last
 * scan is reaped. A leftover the kernel will not let tsinit signal (EPERM: a setuid one, tsinit
 * not root) is logged and tried again with SIGKILL; when only such ones are left after it, the
 * stop is over: tsinit does not wait for what it cannot end.
 */
export class TreeStop {
  private readonly sent = new Map<string, { name: string; signal: number }>(); // by identity: pid and start time
  private readonly refused = new Map<string, number>(); // the signal the kernel refused, by identity
  private children = new Set<number>(); // the init's own children at the last scan, not yet reaped

  constructor(
    private readonly native: Native,
    private readonly processes: ProcessTable,
    private readonly log: Log,
    private readonly graceMs: number,
    /** tsinit's own pid: the root of the tree. */
    private readonly root: number,
  ) {}

  /**
   * Signals the whole tree, announced as `event` at `level`: `why`, what runs and what it gets
   * (a warning says `why` even when nothing is left); true when nothing (signallable) is left.
   * `groups`: the runs' process groups, for when /proc cannot list the tree.
   */
  signalAll(signal: number, groups: readonly number[], event: string, why: string, level: LogLevel, fields: Record<string, unknown> = {}): boolean {
    const quiet = () => (level === 'warn' && this.log(level, event, why, fields), true);
    if (this.native.nothingLeft()) return quiet();
    if (!this.processes.ours()) return this.signalUnseen(signal, groups, event, why, fields);
    const left = this.scan();
    if (left.length === 0) return quiet();
    const pids = left.map((info) => info.pid);
    if (signal === SIGTERM) this.log(level, event, `${why}; still running: ${pidsAndNames(left)}; SIGTERM now, SIGKILL in ${this.graceMs} ms`, { ...fields, pids, graceMs: this.graceMs });
    else this.log(level, event, `${why}; SIGKILL to ${pidsAndNames(left)}`, { ...fields, pids });
    return this.send(left, signal);
  }

  /** After reaps: true once nothing is left; with `killNewcomers` (past the grace) what came meanwhile gets SIGKILL. */
  check(killNewcomers: boolean, groups: readonly number[]): boolean {
    if (this.native.nothingLeft()) return true;
    if (!this.processes.ours()) return killNewcomers && this.sendUnseen(SIGKILL, groups);
    if ([...this.children].some((pid) => !this.refusedKill(pid))) return false; // one of them still runs
    const left = this.scan();
    if (left.length === 0) return true;
    return killNewcomers && this.send(left, SIGKILL);
  }

  // Without a /proc of this PID namespace (none mounted, or the host's) the tree cannot be
  // listed. As PID 1, kill(-1) reaches every process of the namespace but tsinit (a `docker exec`
  // shell too); otherwise the runs' process groups are what tsinit knows, and once SIGKILL has
  // emptied them it stops waiting for what it cannot see.
  private signalUnseen(signal: number, groups: readonly number[], event: string, why: string, fields: Record<string, unknown>): boolean {
    const whom = this.root === 1 ? 'every process' : `process group ${groups.join(', ')}`;
    const then = signal === SIGTERM ? `SIGTERM to ${whom} now, SIGKILL in ${this.graceMs} ms` : `SIGKILL to ${whom}`;
    this.log('warn', event, `${why}; /proc is not mounted or not this PID namespace's, so what is left cannot be listed: ${then}`, { ...fields, groups });
    return this.sendUnseen(signal, groups);
  }

  // SIGTERM (with SIGCONT) or SIGKILL to what tsinit can reach unseen; true when the stop is over:
  // nothing left, or past SIGKILL nothing it can still reach (the kernel refuses the rest: EPERM).
  private sendUnseen(signal: number, groups: readonly number[]): boolean {
    let refused = false;
    const send = (target: number, each: number) => {
      try {
        return this.native.kill(target, each);
      } catch {
        refused = true; // EPERM: none of them may be signalled
        return true;
      }
    };
    for (const each of signal === SIGTERM ? [SIGTERM, SIGCONT] : [SIGKILL]) {
      if (this.root === 1) send(-1, each);
      else for (const group of groups) if (!send(-group, each)) send(group, each); // its group gone: the run alone
    }
    if (this.native.nothingLeft()) return true;
    if (signal !== SIGKILL) return false;
    if (this.root === 1) return refused;
    const reachable = (target: number) => {
      try {
        return this.native.kill(target, 0);
      } catch {
        return false;
      }
    };
    return !groups.some((group) => reachable(-group) || reachable(group));
  }

  /** The name a leftover had when it was signalled: for its end's log line when /proc had no more to say. */
  nameOf(pid: number): string | undefined {
    for (const [identity, { name }] of this.sent) if (identity.startsWith(`${pid}:`)) return name;
    return undefined;
  }

  /** A child the supervisor reaped: not waited for any more, and its pid free for another process. */
  reaped(pid: number): void {
    this.children.delete(pid);
    for (const identity of this.sent.keys()) if (identity.startsWith(`${pid}:`)) this.sent.delete(identity);
    for (const identity of this.refused.keys()) if (identity.startsWith(`${pid}:`)) this.refused.delete(identity);
  }

  // Each process gets the signal once; true when only processes that refused SIGKILL are left.
  private send(left: ProcessInfo[], signal: number): boolean {
    for (const info of left) {
      const identity = `${info.pid}:${info.startTime}`;
      if (info.state === 'Z' || this.sent.get(identity)?.signal === signal || this.refused.get(identity) === signal) continue;
      this.sent.set(identity, { name: info.name, signal });
      try {
        this.processes.signal(info, signal);
        if (signal === SIGTERM && info.state === 'T') this.processes.signal(info, SIGCONT); // a stopped process acts on SIGTERM only once continued
      } catch (error) {
        // One refusal must not spare the leftovers after it.
        this.refused.set(identity, signal);
        const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        this.log('warn', 'leftover-unsignalable', `cannot signal leftover ${info.pid} (${info.name}): ${why}`, { pid: info.pid, name: info.name });
      }
    }
    const stuck = left.filter((info) => this.refused.get(`${info.pid}:${info.startTime}`) === SIGKILL);
    if (signal !== SIGKILL || stuck.length === 0 || stuck.length < left.length) return false;
    this.log('warn', 'shutdown-abandoned', `cannot signal ${pidsAndNames(stuck)}: exiting without waiting for them`, { pids: stuck.map((info) => info.pid) });
    return true;
  }

  private refusedKill(pid: number): boolean {
    for (const [identity, signal] of this.refused) if (identity.startsWith(`${pid}:`) && signal === SIGKILL) return true;
    return false;
  }

  private scan(): ProcessInfo[] {
    const left = this.processes.descendants(this.root);
    this.children = new Set(left.filter((info) => info.ppid === this.root).map((info) => info.pid));
    return left;
  }
}
