import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeNative } from './fake-native';
import { SIGCONT, SIGHUP, SIGINT, SIGKILL, SIGSTOP, SIGTERM, SIGTSTP, SIGUSR1, SIGUSR2, startSupervisor } from './supervisor-harness';

// The supervisor in-process on a fake kernel: each state meets each event here, in milliseconds.
// What only the kernel shows (process groups, zombies, /proc) is tested as PID 1 elsewhere.

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  expect(vi.getTimerCount()).toBe(0); // no timer outlives the supervisor
  expect(process.listenerCount('uncaughtException')).toBe(1); // vitest's own: ours are gone
  vi.useRealTimers();
});

const ended = (exitCode: number | null, signal: number | null = null) => ({ exitCode, signal });

describe('starting', () => {
  it("spawns the command and exits with its code once nothing is left", async () => {
    const init = startSupervisor();
    await init.settle();
    init.native.end(init.command().pid, ended(3));
    await init.exited;
    expect(init.code()).toBe(3);
    expect(init.native.alive()).toEqual([]);
  });

  it.each([
    ['not found', 2, 127, 'app: command not found (ENOENT)'],
    ['not executable', 13, 126, 'app: cannot execute (EACCES)'],
  ])('exits %s with %i, naming the errno', async (_, errno, code, message) => {
    const init = startSupervisor({}, { before: (native) => native.execFailures.set('app', errno) });
    await init.exited;
    expect(init.code()).toBe(code);
    expect(init.messages('error')).toEqual([message]);
  });

  it('-e applies to an exec failure as to any code, as under tini (whose child exits 127)', async () => {
    const init = startSupervisor({ successCodes: [127] }, { before: (native) => native.execFailures.set('app', 2) });
    await init.exited;
    expect(init.code()).toBe(0);
  });

  it('exits 1 when the command cannot even be forked (pids.max)', async () => {
    const init = startSupervisor({}, { before: (native) => (native.forkFails = true) });
    await init.exited;
    expect(init.code()).toBe(1);
    expect(init.messages('error')).toEqual(['cannot start app: vfork: Resource temporarily unavailable']);
  });

  it('keeps the status of a command that ended at once, with a SIGCHLD held since start-up', async () => {
    // The NODE_OPTIONS restart hands over what came before it: a SIGCHLD of a child the
    // entrypoint left (`daemon & exec tsinit -- app`). Taken before the run is known, it reaped
    // the command's status unreported, and tsinit waited for it forever.
    const before = (native: FakeNative) => (native.onSpawn = (p) => native.end(p.pid, ended(9)));
    const init = startSupervisor({}, { held: [17], before, verbosity: 1 }); // orphans unreported: only the runs' ends are asked for
    await init.exited;
    expect(init.code()).toBe(9);
  });

  it('spawns nothing when a start effect fails: exit 1, nothing left running', async () => {
    const before = (native: FakeNative) =>
      (native.setChildSubreaper = () => {
        throw new Error('prctl: Invalid argument');
      });
    const init = startSupervisor({}, { pid: 4242, before });
    await init.exited;
    expect([init.code(), init.spawns(), init.native.alive()]).toEqual([1, 0, []]);
  });

  it('registers as a subreaper when not PID 1 (or with -s), and says so', async () => {
    const init = startSupervisor({}, { pid: 4242 });
    await init.settle();
    expect(init.messages('info')[0]).toBe('not PID 1 (pid 4242): registered as child subreaper, so orphans are reaped here');
    expect(init.native.subreaper).toBe(true);
    init.native.end(init.command().pid, ended(0));
    await init.exited;
  });
});

describe('running', () => {
  it('forwards to the group as rewritten, drops what -r maps to 0, and -c sends to the command alone', async () => {
    const init = startSupervisor({ rewrites: [['TERM', 'USR1'], ['HUP', 0]] });
    await init.settle();
    const { pid } = init.command();
    init.command().ignores.add(SIGUSR1).add(SIGUSR2);
    for (const signal of [SIGTERM, SIGHUP, SIGUSR2]) init.native.deliver(signal);
    await init.settle();
    expect(init.native.kills).toEqual([
      [-pid, SIGUSR1],
      [-pid, SIGUSR2],
    ]);
    expect(init.events('signal-dropped').map((line) => line.fields.signal)).toEqual(['SIGHUP']);
    init.native.end(pid, ended(0));
    await init.exited;

    const alone = startSupervisor({ singleChild: true });
    await alone.settle();
    const command = alone.command().pid;
    alone.native.deliver(SIGTERM);
    await alone.exited;
    expect(alone.native.kills).toEqual([[command, SIGTERM]]);
    expect(alone.code()).toBe(128 + SIGTERM);
  });

  it('-e reports a listed code as 0', async () => {
    const init = startSupervisor({ successCodes: [143] });
    await init.settle();
    init.native.deliver(SIGTERM);
    await init.exited;
    expect(init.code()).toBe(0);
  });

  it('warns once per refused forward and goes on: EPERM never changes the outcome', async () => {
    for (const verbosity of [1, 3]) {
      const init = startSupervisor({}, { verbosity });
      await init.settle();
      init.command().refuses = true;
      init.native.deliver(SIGUSR1);
      await init.settle();
      expect(init.events('forward-failed').map((line) => [line.level, line.message])).toEqual([['warn', 'cannot forward SIGUSR1 to app: EPERM']]);
      init.command().refuses = false;
      init.native.end(init.command().pid, ended(5));
      await init.exited;
      expect(init.code()).toBe(5);
    }
  });

  it('counts --kill-after from the forwarded SIGTERM and SIGKILLs the group', async () => {
    const init = startSupervisor({ killAfterMs: 200 });
    await init.settle();
    init.command().ignores.add(SIGTERM);
    init.native.deliver(SIGTERM);
    await init.settle(199);
    expect(init.command().state).toBe('R');
    await init.settle(1);
    await init.exited;
    expect(init.code()).toBe(128 + SIGKILL);
    expect(init.messages('warn')).toEqual([`app still running 200 ms after SIGTERM/SIGINT: SIGKILL to group 100`]);
  });

  it('suspends itself when a job-control stop stopped the command, unless it is PID 1', async () => {
    for (const pid of [1, 4242]) {
      const init = startSupervisor({}, { pid, foreground: true });
      await init.settle();
      init.native.kill(init.command().pid, SIGTSTP);
      init.native.deliver(17); // the stop's SIGCHLD
      await init.settle();
      expect(init.native.suspended).toBe(pid === 1 ? 0 : 1);
      init.native.end(init.command().pid, ended(0));
      await init.exited;
    }
  });

  it('--setsid: a TSTP stops the command group with STOP, then tsinit (dumb-init)', async () => {
    const init = startSupervisor({ newSession: true }, { pid: 4242 });
    await init.settle();
    init.native.deliver(SIGTSTP);
    await init.settle();
    expect(init.native.kills.at(-1)).toEqual([-init.command().pid, SIGSTOP]);
    expect(init.command().state).toBe('T');
    expect(init.native.suspended).toBe(1);
    init.native.deliver(SIGCONT);
    await init.settle();
    expect(init.command().state).toBe('R');
    init.native.end(init.command().pid, ended(0));
    await init.exited;
  });
});

describe('delaying (--delay)', () => {
  it('holds the first SIGTERM for its delay while other signals pass', async () => {
    const init = startSupervisor({ delays: [['TERM', 300]] });
    await init.settle();
    const command = init.command();
    command.ignores.add(SIGUSR2);
    init.native.deliver(SIGTERM);
    init.native.deliver(SIGUSR2);
    await init.settle(299);
    expect(command.received).toEqual([SIGUSR2]);
    await init.settle(1);
    await init.exited;
    expect(command.received).toEqual([SIGUSR2, SIGTERM]);
  });

  it.each([
    ['a second SIGTERM', SIGTERM, [SIGTERM]],
    ['a SIGINT', SIGINT, [SIGTERM, SIGINT]],
  ])('forwards what is held at once on %s', async (_, second, expected) => {
    const init = startSupervisor({ delays: [['TERM', 60_000]] });
    await init.settle();
    init.command().ignores.add(SIGTERM).add(SIGINT);
    init.native.deliver(SIGTERM);
    await init.settle();
    init.native.deliver(second);
    await init.settle();
    expect(init.command().received).toEqual(expected);
    expect(init.messages('info')).toContain(`SIGTERM forwarded before its delay was over (${second === SIGINT ? 'SIGINT' : 'SIGTERM'} came)`);
    init.native.end(init.command().pid, ended(0));
    await init.exited;
  });
});

describe('stopping', () => {
  it('stops what the command left: SIGTERM, the grace, SIGKILL, then the exit with its code', async () => {
    const init = startSupervisor({ graceMs: 500 });
    await init.settle();
    const polite = init.native.fork(init.command().pid, 'polite');
    const stubborn = init.native.fork(init.command().pid, 'stubborn', { ignores: new Set([SIGTERM]) });
    init.native.end(init.command().pid, ended(6));
    await init.settle();
    expect(polite.received).toEqual([SIGTERM]);
    expect(init.code()).toBeUndefined();
    await init.settle(500);
    await init.exited;
    expect(stubborn.received).toEqual([SIGTERM, SIGKILL]);
    expect(init.code()).toBe(6);
    expect(init.messages('warn')).toEqual([`grace of 500 ms over; SIGKILL to ${stubborn.pid} (stubborn)`]);
  });

  it('forwards signals to a command that still runs while the tree is stopped (a second ^C too)', async () => {
    const init = startSupervisor({ timeoutMs: 100, graceMs: 1000 });
    await init.settle();
    init.command().ignores.add(SIGTERM).add(SIGUSR1).add(SIGINT);
    await init.settle(100); // the timeout: SIGTERM to the tree, ignored
    init.native.deliver(SIGUSR1);
    await init.settle();
    init.native.deliver(SIGINT);
    await init.settle();
    expect(init.command().received).toEqual([SIGTERM, SIGUSR1, SIGINT]);
    await init.settle(1000);
    await init.exited;
    expect(init.code()).toBe(124);
  });

  it('with no grace, exits at once when the command ends, but SIGKILLs at once when it must stop', async () => {
    const done = startSupervisor({ graceMs: 0 });
    await done.settle();
    done.native.fork(done.command().pid, 'left');
    done.native.end(done.command().pid, ended(2));
    await done.exited;
    expect(done.code()).toBe(2);
    expect(done.native.alive().map((p) => p.name)).toEqual(['left']); // as tini: PID 1's exit takes it

    const timedOut = startSupervisor({ graceMs: 0, timeoutMs: 50 });
    await timedOut.settle(50);
    await timedOut.exited;
    expect(timedOut.code()).toBe(124);
    expect(timedOut.native.kills).toEqual([[100, SIGKILL]]);
  });

  it('stops waiting for a leftover it may not signal once it was refused SIGKILL too', async () => {
    const init = startSupervisor({ graceMs: 200 });
    await init.settle();
    const setuid = init.native.fork(init.command().pid, 'root-sleep', { refuses: true });
    init.native.end(init.command().pid, ended(0));
    await init.settle(200);
    await init.exited;
    expect(init.code()).toBe(0);
    expect(init.messages('warn')).toEqual([
      `cannot signal leftover ${setuid.pid} (root-sleep): EPERM`,
      `grace of 200 ms over; SIGKILL to ${setuid.pid} (root-sleep)`,
      `cannot signal leftover ${setuid.pid} (root-sleep): EPERM`,
      `cannot signal ${setuid.pid} (root-sleep): exiting without waiting for them`,
    ]);
  });
});

describe("stopping without a /proc of its namespace (none mounted, or the host's)", () => {
  // The command leaves one process in its group and a daemon in a session of its own.
  async function leftovers(pid: number) {
    const init = startSupervisor({ timeoutMs: 100, graceMs: 300 }, { pid, before: (native) => (native.procIsOurs = false) });
    await init.settle();
    const command = init.command();
    const member = init.native.fork(command.pid, 'member', { ignores: new Set([SIGTERM]) });
    const daemon = init.native.fork(command.pid, 'daemon', { setsid: true });
    await init.settle(100);
    return { init, command, member, daemon };
  }

  it('as PID 1: every process of the namespace gets SIGTERM, then SIGKILL, and tsinit waits for them', async () => {
    const { init, command, member, daemon } = await leftovers(1);
    expect([command.received, member.received, daemon.received]).toEqual([[SIGTERM], [SIGTERM, SIGCONT], [SIGTERM]]);
    await init.settle(300);
    await init.exited;
    expect([init.code(), member.received, init.native.alive()]).toEqual([124, [SIGTERM, SIGCONT, SIGKILL], []]);
  });

  it("not PID 1: the command's process group gets them; what it cannot see is said, not waited for", async () => {
    const { init, command, member, daemon } = await leftovers(4242);
    expect([command.received, member.received, daemon.received]).toEqual([[SIGTERM], [SIGTERM, SIGCONT], []]);
    await init.settle(300);
    await init.exited;
    expect([init.code(), member.received.at(-1)]).toEqual([124, SIGKILL]);
    expect(init.messages('warn')[0]).toMatch(/what is left cannot be listed: SIGTERM to process group \d+ now, SIGKILL in 300 ms$/);
  });
});

describe('restarting (--restart)', () => {
  it('starts a failing command again with a doubling back-off, up to its budget, then exits with its code', async () => {
    const init = startSupervisor({ restart: 'on-failure:3' }, { before: (native) => (native.onSpawn = (p) => setTimeout(() => native.end(p.pid, ended(7)), 10)) });
    await init.settle(10_000);
    await init.exited;
    expect(init.spawns()).toBe(4);
    expect(init.code()).toBe(7);
    expect(init.events('restart').map((line) => line.fields.delayMs)).toEqual([100, 200, 400]);
  });

  it('resets the back-off after a run that stayed up a minute', async () => {
    const upFor = [10, 10, 61_000, 10];
    const before = (native: FakeNative) => (native.onSpawn = (p) => setTimeout(() => native.end(p.pid, ended(1)), upFor[p.pid - 100]));
    const init = startSupervisor({ restart: 'on-failure:3' }, { before });
    await init.settle(120_000);
    await init.exited;
    expect(init.events('restart').map((line) => line.fields.delayMs)).toEqual([100, 200, 100]);
  });

  it("does not start again a command that a signal tsinit forwarded or --kill-after's SIGKILL ended", async () => {
    const forwarded = startSupervisor({ restart: 'always' });
    await forwarded.settle();
    forwarded.native.deliver(SIGHUP);
    await forwarded.exited;
    expect([forwarded.spawns(), forwarded.code()]).toEqual([1, 128 + SIGHUP]);

    // -r USR1:TERM: the user's USR1 is no stop of the container, yet the SIGKILL is tsinit's own.
    const killed = startSupervisor({ restart: 'on-failure', killAfterMs: 100, rewrites: [['USR1', 'TERM']] });
    await killed.settle();
    killed.command().ignores.add(SIGTERM);
    killed.native.deliver(SIGUSR1);
    await killed.settle(100);
    await killed.exited;
    expect([killed.spawns(), killed.code()]).toEqual([1, 128 + SIGKILL]);
  });

  it('counts a run that could not start (a fork refused, pids.max) as a failed attempt: backs off and tries again', async () => {
    const init = startSupervisor({ restart: 'on-failure:3' }, { before: (native) => (native.onSpawn = (p) => setTimeout(() => native.end(p.pid, ended(3)), 10)) });
    await init.settle(10);
    init.native.forkFails = true;
    await init.settle(150); // the first back-off: the fork fails
    expect(init.messages('error')).toEqual(['cannot start app: vfork: Resource temporarily unavailable']);
    init.native.forkFails = false;
    await init.settle(5000);
    await init.exited;
    expect(init.events('restart').map((line) => line.message)).toEqual([
      'app exited with code 3; restart 1 of 3 in 100 ms',
      'app could not start (vfork: Resource temporarily unavailable); restart 2 of 3 in 200 ms',
      'app exited with code 3; restart 3 of 3 in 400 ms',
    ]);
    expect([init.spawns(), init.code()]).toEqual([3, 3]);
  });

  it("a SIGTERM that -r drops is nobody's stop: the restarts go on", async () => {
    const init = startSupervisor({ restart: 'on-failure:1', rewrites: [['TERM', 0]] }, { before: (native) => (native.onSpawn = (p) => setTimeout(() => native.end(p.pid, ended(3)), 10)) });
    await init.settle(10);
    init.native.deliver(SIGTERM); // in the back-off
    await init.settle(5000);
    await init.exited;
    expect([init.spawns(), init.code()]).toEqual([2, 3]);
  });

  it('ends on a SIGTERM during the back-off, with the last code', async () => {
    const init = startSupervisor({ restart: 'always' }, { before: (native) => (native.onSpawn = (p) => setTimeout(() => native.end(p.pid, ended(5)), 10)) });
    await init.settle(20); // the first run ended; the back-off is 100 ms
    expect(init.events('restart')).toHaveLength(1);
    init.native.deliver(SIGTERM);
    await init.exited;
    expect([init.spawns(), init.code()]).toEqual([1, 5]);
    expect(init.messages('info')).toContain('SIGTERM during the back-off: app is not started again');
  });

  it("stops a dead run's leftovers before the next run starts", async () => {
    const init = startSupervisor({ restart: 'on-failure:1', graceMs: 300 });
    await init.settle();
    const leftover = init.native.fork(init.command().pid, 'leftover', { ignores: new Set([SIGTERM]) });
    init.native.end(init.command().pid, ended(1));
    await init.settle(299);
    expect(init.spawns()).toBe(1);
    await init.settle(1); // SIGKILL to the leftover, then the back-off
    expect(leftover.received).toEqual([SIGTERM, SIGKILL]);
    await init.settle(100);
    expect(init.spawns()).toBe(2);
    init.native.end(init.command().pid, ended(0));
    await init.exited;
    expect(init.code()).toBe(0);
  });
});

describe('--timeout', () => {
  it.each([
    ['while the command runs', 0],
    ['in the back-off', 15],
  ])('ends with 124 when it fires %s', async (_, runFor) => {
    const before = (native: FakeNative) => {
      if (runFor > 0) native.onSpawn = (p) => setTimeout(() => native.end(p.pid, ended(0)), runFor);
    };
    const init = startSupervisor({ timeoutMs: 50, restart: 'always', graceMs: 100 }, { before });
    await init.settle(500);
    await init.exited;
    expect(init.code()).toBe(124);
    expect(init.events('timeout')[0].message).toMatch(/^app ran longer than 50 ms \(--timeout\); exiting with code 124/);
  });

  it('keeps the code of a command that ended in time', async () => {
    const init = startSupervisor({ timeoutMs: 1000, graceMs: 2000 });
    await init.settle();
    init.native.fork(init.command().pid, 'left', { ignores: new Set([SIGTERM]) });
    init.native.end(init.command().pid, ended(3));
    await init.settle(2000);
    await init.exited;
    expect(init.code()).toBe(3);
  });
});

describe('a failure of tsinit itself (here: a listener that throws)', () => {
  it('while starting or running: one error line, the tree stopped, exit 1', async () => {
    for (const event of ['spawned', 'signal-forwarded']) {
      const init = startSupervisor({}, { throwOn: event, before: (native) => (native.onSpawn = (p) => p.ignores.add(SIGUSR1)) });
      await init.settle();
      init.native.deliver(SIGUSR1);
      await init.settle();
      await init.exited;
      expect(init.code()).toBe(1);
      expect(init.messages('error')).toEqual([`internal error: a listener of ${event} threw`]);
    }
  });

  it('with no grace: the command still running gets SIGKILL, never left behind', async () => {
    const init = startSupervisor({ graceMs: 0 }, { throwOn: 'signal-forwarded', before: (native) => (native.onSpawn = (p) => p.ignores.add(SIGUSR1)) });
    await init.settle();
    const command = init.command();
    init.native.deliver(SIGUSR1);
    await init.exited;
    expect([init.code(), command.received]).toEqual([1, [SIGUSR1, SIGKILL]]);
  });

  it('while stopping: SIGKILL at once rather than a second grace, then exit 1', async () => {
    const init = startSupervisor({ graceMs: 60_000 }, { throwOn: 'shutdown' });
    await init.settle();
    const left = init.native.fork(init.command().pid, 'left', { ignores: new Set([SIGTERM]) });
    init.native.end(init.command().pid, ended(4));
    await init.settle();
    await init.exited;
    expect(init.code()).toBe(1);
    expect(left.received).toEqual([SIGKILL]); // the SIGTERM never went: its announcement threw
  });

  it('in the back-off: no restart, exit 1', async () => {
    const init = startSupervisor({ restart: 'on-failure:1' }, { throwOn: 'restart' });
    await init.settle();
    init.native.end(init.command().pid, ended(4));
    await init.settle(1000);
    await init.exited;
    expect([init.spawns(), init.code()]).toEqual([1, 1]);
  });

  it('once exiting: the code stands', async () => {
    const init = startSupervisor({}, { throwOn: 'exit' });
    await init.settle();
    init.native.end(init.command().pid, ended(4));
    await init.exited;
    expect(init.code()).toBe(4);
  });
});
