import type { Log } from './log';
import type { Native, Reaped } from './native';
import { descendantsOf, procIsOurs, type ProcessInfo } from './process-tree';
import { SIGCONT, SIGKILL, SIGTERM } from './signals';

const list = (infos: ProcessInfo[]) => infos.map((info) => `${info.pid} (${info.name})`).join(', ');

/**
 * Stops every descendant of the init (group members, adopted orphans, daemons that called
 * setsid): SIGTERM to those running now, SIGKILL to all once the grace is over, then `onDone`
 * when none is left. Processes started during the grace (a flush helper run from a SIGTERM
 * trap) are left alone until then. The lifecycle calls `reaped` for each child it reaps
 * meanwhile, then `update`.
 */
export class TreeShutdown {
  private signal = SIGTERM;
  private readonly sent = new Map<number, { name: string; signal: number }>();
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
    // As PID 1, kill(-1, 0) finds out without reading /proc whether anyone else is left.
    if (process.pid === 1 && !this.native.kill(-1, 0)) return this.finish();
    if (!procIsOurs()) {
      this.log('warn', 'shutdown-skipped', `${why}; /proc is not this PID namespace's, so leftovers are left to the kernel`);
      return this.finish();
    }
    const left = descendantsOf(process.pid);
    if (left.length === 0) return this.finish();
    this.log('info', 'shutdown', `${why}; still running: ${list(left)}; SIGTERM now, SIGKILL in ${this.graceMs} ms`, {
      pids: left.map((info) => info.pid),
      graceMs: this.graceMs,
    });
    this.timer = setTimeout(() => this.escalate(), this.graceMs);
    this.send(left);
  }

  /** Logs how a leftover ended, when the init itself reaped it. */
  reaped(status: Reaped): void {
    const leftover = this.sent.get(status.pid);
    const name = leftover?.name ?? status.name ?? '?';
    this.log('info', 'leftover-ended', `leftover ${status.pid} (${name}) ${this.describe(status)}`, { ...status, name });
  }

  /** After each round of reaping: finishes once nothing is left; past the grace, kills newcomers. */
  update(): void {
    if (this.done) return;
    const left = descendantsOf(process.pid);
    if (left.length === 0) this.finish();
    else if (this.signal === SIGKILL) this.send(left);
  }

  private escalate(): void {
    const left = descendantsOf(process.pid);
    this.signal = SIGKILL;
    this.log('warn', 'grace-over', `grace of ${this.graceMs} ms over; SIGKILL to ${list(left)}`, { pids: left.map((info) => info.pid) });
    this.send(left);
  }

  private send(left: ProcessInfo[]): void {
    for (const info of left) {
      if (info.state === 'Z' || this.sent.get(info.pid)?.signal === this.signal) continue;
      this.sent.set(info.pid, { name: info.name, signal: this.signal });
      this.native.kill(info.pid, this.signal);
      if (info.state === 'T') this.native.kill(info.pid, SIGCONT); // a stopped process acts on SIGTERM only once continued
    }
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.onDone();
  }
}
