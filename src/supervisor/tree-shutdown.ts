import type { Log } from '../platform/log';
import type { Native, Reaped } from '../platform/native';
import { descendantsOf, pidsAndNames, procIsOurs, type ProcessInfo } from '../platform/process-tree';
import { SIGCONT, SIGKILL, SIGTERM } from '../platform/signals';

/**
 * Stops every descendant of the init (group members, adopted orphans, daemons that called
 * setsid): SIGTERM to those running now, SIGKILL to all once the grace is over, then `onDone`
 * when none is left. Processes started during the grace (a flush helper run from a SIGTERM
 * trap) are left alone until then. The lifecycle calls `reaped` for each child it reaps
 * meanwhile, then `update`. /proc is scanned only once every child known from the last scan
 * is reaped. A leftover the init may not signal (EPERM: a setuid one, tsinit not root) is
 * logged, and once the grace is over and only such ones are left, the init stops waiting.
 */
export class TreeShutdown {
  private signal = SIGTERM;
  private readonly sent = new Map<number, { name: string; signal: number }>();
  private readonly unsignalable = new Set<number>();
  private children = new Set<number>(); // the init's own children at the last scan, not yet reaped
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly native: Native,
    private readonly log: Log,
    private readonly graceMs: number,
    private readonly describe: (status: Reaped) => string,
    private readonly onDone: () => void,
  ) {}

  /** Signals what runs now and arms the SIGKILL; `why` says what started the shutdown. */
  start(why: string): void {
    if (!this.anyoneLeft()) return this.finish();
    if (!procIsOurs()) {
      this.log('warn', 'shutdown-skipped', `${why}; /proc is not mounted or not this PID namespace's, so leftovers are left to the kernel`);
      return this.finish();
    }
    const left = this.scan();
    if (left.length === 0) return this.finish();
    this.log('info', 'shutdown', `${why}; still running: ${pidsAndNames(left)}; SIGTERM now, SIGKILL in ${this.graceMs} ms`, {
      pids: left.map((info) => info.pid),
      graceMs: this.graceMs,
    });
    this.timer = setTimeout(() => this.escalate(), this.graceMs);
    this.send(left);
  }

  /** Logs how a leftover ended, when the init itself reaped it. */
  reaped(status: Reaped): void {
    this.children.delete(status.pid);
    const leftover = this.sent.get(status.pid);
    const name = leftover?.name ?? status.name ?? '?';
    this.log('info', 'leftover-ended', `leftover ${status.pid} (${name}) ${this.describe(status)}`, { ...status, name });
  }

  /** A child the lifecycle reaped and reported itself (CMD, when the shutdown began before its end). */
  forget(pid: number): void {
    this.children.delete(pid);
  }

  /** After each round of reaping: finishes once nothing is left; past the grace, kills newcomers. */
  update(): void {
    if (this.done) return;
    if (!this.anyoneLeft()) return this.finish();
    if ([...this.children].some((pid) => !this.unsignalable.has(pid))) return; // one of them still runs
    const left = this.scan();
    if (left.length === 0) return this.finish();
    if (this.signal === SIGKILL) this.killAll(left);
  }

  private escalate(): void {
    const left = this.scan();
    this.signal = SIGKILL;
    this.log('warn', 'grace-over', `grace of ${this.graceMs} ms over; SIGKILL to ${pidsAndNames(left)}`, { pids: left.map((info) => info.pid) });
    this.killAll(left);
  }

  // SIGKILL to each; when only leftovers the init may not signal remain, waiting is pointless.
  private killAll(left: ProcessInfo[]): void {
    this.send(left);
    const stuck = left.filter((info) => this.unsignalable.has(info.pid));
    if (stuck.length === 0 || stuck.length < left.length) return;
    this.log('warn', 'shutdown-abandoned', `cannot signal ${pidsAndNames(stuck)}: exiting without waiting for them`, { pids: stuck.map((info) => info.pid) });
    this.finish();
  }

  private send(left: ProcessInfo[]): void {
    for (const info of left) {
      if (info.state === 'Z' || this.sent.get(info.pid)?.signal === this.signal || this.unsignalable.has(info.pid)) continue;
      this.sent.set(info.pid, { name: info.name, signal: this.signal });
      try {
        this.native.kill(info.pid, this.signal);
        if (info.state === 'T') this.native.kill(info.pid, SIGCONT); // a stopped process acts on SIGTERM only once continued
      } catch (error) {
        // One refusal (EPERM) must not spare the leftovers after it.
        this.unsignalable.add(info.pid);
        this.log('warn', 'leftover-unsignalable', `cannot signal leftover ${info.pid} (${info.name}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
          pid: info.pid,
          name: info.name,
        });
      }
    }
  }

  // As PID 1, kill(-1, 0) finds out without reading /proc whether anyone else is left
  // (EPERM: someone is, whom we may not signal).
  private anyoneLeft(): boolean {
    if (process.pid !== 1) return true;
    try {
      return this.native.kill(-1, 0);
    } catch {
      return true;
    }
  }

  private scan(): ProcessInfo[] {
    const left = descendantsOf(process.pid);
    this.children = new Set(left.filter((info) => info.ppid === process.pid).map((info) => info.pid));
    return left;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.onDone();
  }
}
