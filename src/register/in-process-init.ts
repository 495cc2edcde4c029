import type { Log } from '../platform/log';
import type { Native, Reaped } from '../platform/native';
import { pidAndName } from '../platform/process-tree';
import { SIGKILL, SIGTERM } from '../platform/signals';
import { exitCodeOf } from '../supervisor/exit-policy';
import { describeEnd } from '../supervisor/policy';
import { TreeStop, type ProcessTable } from '../supervisor/tree-stop';

// A Node app as its own PID 1 (tsinit-pid1/register): the init's work done inside the app's
// process, beside child_process. It reaps only what libuv does not own, stops the app's tree on
// an ending signal the app does not listen for, and stops what is left at the app's exit.

/** The Node process around the app, as the in-process init acts on it (the real one, or a test's). */
export interface Host {
  /** Listeners of this signal besides the init's own: the app's. */
  appListeners(signal: number): number;
  exit(code: number): void;
  /** Calls `fire` in `ms`; returns what cancels it. */
  after(ms: number, fire: () => void): () => void;
  /** Blocks the thread `ms` (at the exit, where no loop turn is left). */
  sleep(ms: number): void;
  signalName(signal: number): string;
}

/** What an ending signal (TERM, INT, HUP by default) does: nothing when the app listens for it, else the stop of the app's tree; once stopping, nothing more. */
export function endingSignalVerdict(appListeners: number, stopping: boolean): 'the app decides' | 'stop the tree' | 'already stopping' {
  if (stopping) return 'already stopping';
  return appListeners > 0 ? 'the app decides' : 'stop the tree';
}

// How often the exit's stop looks again for leftovers that ended.
const EXIT_POLL_MS = 10;

type Phase = { kind: 'serving' } | { kind: 'stopping'; code: number; killing: boolean; cancelGrace: () => void } | { kind: 'exiting' };

/** The in-process init: the addon's watch of orphans, the app's ending signals and its exit (see register.ts). */
export class InProcessInit {
  private phase: Phase = { kind: 'serving' };
  private readonly tree: TreeStop;

  constructor(
    private readonly native: Native,
    processes: ProcessTable,
    private readonly log: Log,
    private readonly graceMs: number,
    private readonly host: Host,
    pid: number,
  ) {
    this.tree = new TreeStop(native, processes, log, graceMs, pid);
  }

  /** The addon reaps orphans on each SIGCHLD from now on (JS hears of it when it logs them); what ended before is reaped now. */
  start(): void {
    this.native.watchOrphans((reaped) => this.onReaped(reaped));
    this.native.reportOrphans(this.log.wants('debug'));
    this.onReaped(this.native.reapUnowned().reaped);
  }

  /** A pass of the addon's: what it reaped is logged; a tree stop under way looks whether the tree is empty. */
  onReaped(reaped: readonly Reaped[]): void {
    for (const status of reaped) this.reaped(status);
    if (this.phase.kind === 'stopping' && this.tree.check(this.phase.killing, [])) this.finish(this.phase.code);
  }

  /** An ending signal the init listens for. */
  onSignal(signal: number): void {
    const name = this.host.signalName(signal);
    const verdict = endingSignalVerdict(this.host.appListeners(signal), this.phase.kind !== 'serving');
    if (verdict === 'the app decides') return this.log('debug', 'signal-app', `${name}: the app listens for it, and decides`, { signal: name });
    if (verdict === 'already stopping') return;
    const code = exitCodeOf({ exitCode: null, signal }, new Set());
    const why = `${name} and no listener of the app's for it: exiting with code ${code}`;
    if (this.tree.signalAll(SIGTERM, [], 'shutdown', why, 'info', { signal: name })) return this.finish(code);
    const cancelGrace = this.host.after(this.graceMs, () => this.graceOver());
    this.phase = { kind: 'stopping', code, killing: false, cancelGrace };
    this.native.reportOrphans(true); // every SIGCHLD now: the tree may be empty
  }

  /**
   * At the app's exit, what it left gets the same stop, waited for on this thread (no loop turn is
   * left): SIGTERM, the grace, SIGKILL. The main thread's children are all reaped now (libuv will
   * wait for none), never a worker thread's: those still run here, and a spawnSync of theirs
   * would wait forever for a status taken from it.
   */
  atExit(): void {
    if (this.phase.kind === 'stopping') this.phase.cancelGrace();
    this.phase = { kind: 'exiting' };
    const drained = () => {
      for (const status of this.native.reapUnowned(true).reaped) this.tree.reaped(status.pid);
      return this.native.nothingLeft();
    };
    if (drained() || this.tree.signalAll(SIGTERM, [], 'shutdown', 'the app exits', 'info')) return;
    for (let waited = 0; waited < this.graceMs; waited += EXIT_POLL_MS) {
      this.host.sleep(EXIT_POLL_MS);
      if (drained() || this.tree.check(false, [])) return;
    }
    if (this.tree.signalAll(SIGKILL, [], 'grace-over', `grace of ${this.graceMs} ms over`, 'warn')) return;
    for (let waited = 0; waited < this.graceMs + 1000 && !drained(); waited += EXIT_POLL_MS) this.host.sleep(EXIT_POLL_MS);
  }

  private reaped(status: Reaped): void {
    this.tree.reaped(status.pid);
    this.log('debug', 'orphan-reaped', `reaped orphan ${pidAndName(status.pid, status.name)}, ${describeEnd(status, this.host)}`, { ...status });
  }

  private graceOver(): void {
    if (this.phase.kind !== 'stopping') return;
    this.phase = { ...this.phase, killing: true };
    if (this.tree.signalAll(SIGKILL, [], 'grace-over', `grace of ${this.graceMs} ms over`, 'warn')) this.finish(this.phase.code);
  }

  private finish(code: number): void {
    if (this.phase.kind === 'stopping') this.phase.cancelGrace();
    this.phase = { kind: 'exiting' };
    this.host.exit(code);
  }
}
