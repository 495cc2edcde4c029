import { commandCandidates } from '../platform/command-path';
import type { Listeners } from '../platform/listeners';
import type { Log } from '../platform/log';
import { errnoName, type FastPathPlan, type Native, type Reaped } from '../platform/native';
import { readProcess } from '../platform/process-tree';
import type { SignalIntake } from '../platform/signal-intake';
import { SIGCHLD, SIGSTOP, SIGTTIN, SIGTTOU } from '../platform/signals';
import { dispatch, initialState } from './dispatch';
import type { Policy } from './policy';
import type { Effect, Event, State, TimerName } from './state';
import { TreeStop, type ProcessTable } from './tree-stop';
import { runEnvironment } from './worker-environment';

/** What the driver needs to start the command: its words and PATH as bytes, what its child sets up. */
export interface SpawnRequest {
  commandBytes: Buffer[];
  searchPath: Buffer | undefined;
  newSession: boolean;
  /** CMD's oom_score_adj, set before its exec (see oom.ts); absent: inherited. */
  oomScoreAdj?: number;
  /** --listen's sockets, handed to every run. */
  listeners: Listeners;
}

/** The driver's world: the addon, /proc, the log, the signals watched since start-up, the clock. */
export interface World {
  native: Native;
  processes: ProcessTable;
  log: Log;
  intake: SignalIntake;
  /** Monotonic milliseconds (the back-off measures runs with it). */
  now(): number;
  /** Once the command first runs (the CLI: the signal thread, and leaving the start directory). */
  afterFirstSpawn?(): void;
}

/**
 * Runs the supervisor: feeds dispatch every event (signals, reaped children, timers, spawn
 * results, failures) one at a time, in order, and carries out the effects it returns. The only
 * code that touches the addon, the timers and the clock. Resolves with the exit code.
 */
export function supervise(policy: Policy, spawnRequest: SpawnRequest, world: World): Promise<number> {
  return new Promise((resolve) => new Driver(policy, spawnRequest, world, resolve).start());
}

class Driver {
  private state: State = initialState();
  private readonly queue: Event[] = [];
  private dispatching = false;
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private readonly ignoredHere: number[] = []; // dispositions to give back at the end
  private readonly tree: TreeStop;
  private plan: FastPathPlan | undefined;
  private spawnedOnce = false; // a spawn was tried: the intake opens once its events are dispatched
  private intakeDue = false;
  private firstRun: 'not yet' | 'spawned' | 'settled' = 'not yet'; // spawned: its events not yet dispatched
  private settling: NodeJS.Immediate | undefined;
  private readonly fail = (error: unknown) => this.post({ type: 'failure', message: error instanceof Error ? error.message : String(error) });

  constructor(
    private readonly policy: Policy,
    private readonly spawnRequest: SpawnRequest,
    private readonly world: World,
    private readonly resolve: (code: number) => void,
  ) {
    this.tree = new TreeStop(world.native, world.processes, world.log, policy.settings.graceMs, policy.pid);
  }

  start(): void {
    // Never die silently: as PID 1, the kernel would SIGKILL the whole container.
    process.on('uncaughtException', this.fail);
    process.on('unhandledRejection', this.fail);
    this.post({ type: 'start' });
  }

  // One event at a time: an event an effect causes waits for the effects before it. An effect
  // that throws ends its step: the failure it becomes decides what is still to be done.
  private post(event: Event): void {
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const [state, effects] = dispatch(this.state, next, this.policy);
        this.state = state;
        for (const effect of effects) if (!this.performSafely(effect)) break;
      }
    } finally {
      this.dispatching = false;
    }
    if (this.intakeDue) this.openIntake();
    if (this.firstRun === 'spawned' && this.state.kind !== 'exiting') this.settleAfterFirstRun();
  }

  // False when the effect threw: a failure of tsinit, posted. Once exiting, the exit goes on.
  private performSafely(effect: Effect): boolean {
    try {
      this.perform(effect);
      return true;
    } catch (error) {
      if (this.state.kind === 'exiting') return true;
      this.fail(error);
      return false;
    }
  }

  // On the loop's next turn once the first run's fast path is armed: the signal thread (its
  // creation and the block message to Node's threads take a millisecond, which a short
  // command's exit, taken from the loop, would wait for), then the start directory left.
  private settleAfterFirstRun(): void {
    this.firstRun = 'settled';
    this.settling = setImmediate(() => this.world.afterFirstSpawn?.());
  }

  // Once the first spawn's events are dispatched, so the state holds its run: every signal from
  // now on, and those held since start-up, in the order they came. Opened sooner, a held SIGCHLD
  // would be reaped against a state with no run, and a command that had already ended would lose
  // its status.
  private openIntake(): void {
    this.intakeDue = false;
    this.world.intake.open((signals) => this.onWake(signals));
  }

  private perform(effect: Effect): void {
    const { native, log } = this.world;
    switch (effect.kind) {
      case 'become-subreaper':
        return native.setChildSubreaper(true);
      case 'set-parent-death-signal':
        return native.setParentDeathSignal(effect.signal);
      case 'ignore-terminal-stops':
        for (const signal of [SIGTTIN, SIGTTOU]) {
          if (native.signalDisposition(signal) !== 'default') continue; // a host's own listener stays
          native.setSignalIgnored(signal, true);
          this.ignoredHere.push(signal);
        }
        return;
      case 'release-terminal': {
        const self = readProcess('self');
        const leader = self !== undefined && self.session === self.pid && self.tpgid === self.pgrp;
        if (native.releaseTerminal() === 0) this.post({ type: 'terminal-released', leader });
        return;
      }
      case 'spawn':
        return this.spawn(effect.taskId);
      case 'signal':
        return this.sendSignal(effect);
      case 'give-terminal':
        native.setForegroundGroup(effect.pgid);
        return;
      case 'suspend-self':
        native.kill(this.policy.pid, SIGSTOP);
        return;
      case 'signal-tree':
        if (this.tree.signalAll(effect.signal, effect.groups, effect.event, effect.why, effect.level, effect.fields)) this.post({ type: 'tree-empty' });
        return;
      case 'check-tree':
        if (this.tree.check(effect.killNewcomers, effect.groups)) this.post({ type: 'tree-empty' });
        return;
      case 'arm':
        clearTimeout(this.timers.get(effect.timer));
        this.timers.set(
          effect.timer,
          setTimeout(() => this.post({ type: 'timer', timer: effect.timer }), effect.ms),
        );
        return;
      case 'cancel':
        clearTimeout(this.timers.get(effect.timer));
        this.timers.delete(effect.timer);
        return;
      case 'arm-fast-path':
        this.plan = effect.plan;
        return native.armFastPath(effect.plan);
      case 'disarm-fast-path':
        return native.disarmFastPath();
      case 'log':
        return log(effect.level, effect.event, effect.message, effect.fields);
      case 'exit':
        return this.finish(effect.code);
    }
  }

  private spawn(taskId: number): void {
    const { commandBytes, searchPath, newSession, oomScoreAdj, listeners } = this.spawnRequest;
    const { pool, taskIds, facts } = this.policy;
    this.intakeDue ||= !this.spawnedOnce;
    let spawned: ReturnType<Native['spawn']>;
    try {
      const environment = runEnvironment(taskId, pool ? taskIds.length : undefined, listeners);
      spawned = this.world.native.spawn(commandCandidates(commandBytes[0], searchPath), commandBytes, { newSession, foreground: facts.foreground, oomScoreAdj, ...environment });
    } catch (error) {
      return this.post({ type: 'spawn-failed', taskId, message: (error as Error).message }); // vfork's EAGAIN: pids.max
    } finally {
      this.spawnedOnce = true;
    }
    if ('errno' in spawned) return this.post({ type: 'spawn-failed', taskId, errno: errnoName(spawned.errno), message: errnoName(spawned.errno) });
    this.post({ type: 'spawned', taskId, pid: spawned.pid, at: this.world.now() });
    if (this.firstRun === 'not yet') this.firstRun = 'spawned';
  }

  // A signal to a run's group: a run that left its group (setsid, job control) gets it alone.
  private sendSignal(effect: Extract<Effect, { kind: 'signal' }>): void {
    const { native } = this.world;
    try {
      if (!(effect.group && native.kill(-effect.pid, effect.signal))) native.kill(effect.pid, effect.signal);
    } catch (error) {
      this.post({ type: 'forward-failed', signal: effect.received, sent: effect.signal, errno: (error as NodeJS.ErrnoException).code ?? String(error) });
    }
  }

  // What woke the loop: signals to decide on, SIGCHLD for the reaper, the fast path's report.
  private onWake(signals: number[]): void {
    const { native } = this.world;
    for (const signal of signals) if (signal !== SIGCHLD) this.post({ type: 'signal', signal });
    const reap = signals.includes(SIGCHLD);
    const exited = reap ? this.reapChildren() : [];
    // After the reap: a forward the fast path made before a run died of it is in this report.
    for (const report of native.takeFastPathReport()) {
      if (report.forwarded > 0) this.post({ type: 'forwarded', signal: report.signal, count: report.forwarded });
      if (report.failed > 0) {
        const sent = this.plan?.forwardAs[report.signal] ?? report.signal;
        this.post({ type: 'forward-failed', signal: report.signal, sent, errno: errnoName(report.errno) });
      }
    }
    if (!reap) return;
    const runs = 'runs' in this.state ? this.state.runs : [];
    const stopped = this.policy.facts.foreground ? runs.map(({ pid }) => ({ pid, signal: native.stopSignal(pid) })).filter(({ signal }) => signal !== 0) : [];
    this.post({ type: 'children', exited, stopped, at: this.world.now() });
  }

  // Every exited child; in an orphan storm only the runs' statuses cross into JS, unless orphans are logged or the tree is stopped.
  private reapChildren(): Reaped[] {
    const everyone = this.state.kind === 'stopping' || this.world.log.wants(this.policy.orphanLevel);
    const runs = 'runs' in this.state ? this.state.runs.map(({ pid }) => pid) : [];
    return this.world.native.reapAll(everyone ? undefined : runs).map((status) => {
      this.tree.reaped(status.pid);
      return status.name ? status : { ...status, name: this.tree.nameOf(status.pid) };
    });
  }

  // The process is left as it was found: timers, the fast path and listeners gone, the terminal's signals given back.
  private finish(code: number): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    clearImmediate(this.settling); // ended before its turn came: nothing to settle for
    this.world.native.disarmFastPath();
    process.removeListener('uncaughtException', this.fail);
    process.removeListener('unhandledRejection', this.fail);
    for (const signal of this.ignoredHere) this.world.native.setSignalIgnored(signal, false);
    this.resolve(code);
  }
}
