import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeNative, FakeProcess } from './fake-native';
import { SIGKILL, SIGTERM, SIGUSR1, startSupervisor } from './supervisor-harness';

// A pool (--workers) in the supervisor, in-process on the fake kernel: each state meets each
// event with several runs. Real workers, sockets and cgroups are tested as PID 1 (pool.test.ts).

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  expect(vi.getTimerCount()).toBe(0); // no back-off outlives the pool
  vi.useRealTimers();
});

const ended = (exitCode: number | null, signal: number | null = null) => ({ exitCode, signal });
const taskOf = (native: FakeNative, p: FakeProcess) => {
  const entry = native.spawnOptions[p.pid - 100].environment?.map(String).find((e) => e.startsWith('TSINIT_TASK_ID='));
  return Number(entry?.slice('TSINIT_TASK_ID='.length));
};
// Every worker of task `task` ends with `status` `after` ms into its run.
function script(native: FakeNative, plan: (task: number, run: number) => { after: number; status: ReturnType<typeof ended> } | undefined) {
  const runs = new Map<number, number>();
  native.onSpawn = (p) => {
    const task = taskOf(native, p);
    const run = runs.get(task) ?? 0;
    runs.set(task, run + 1);
    const end = plan(task, run);
    if (end) setTimeout(() => native.processes.get(p.pid)?.state === 'R' && native.end(p.pid, end.status), end.after);
  };
}

describe('starting a pool', () => {
  it('spawns N workers, each with its task id and the pool size, and says how many at -v', async () => {
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 3 });
    await init.settle();
    const environments = init.native.spawnOptions.map((options) => options.environment?.map(String));
    expect(environments).toEqual([0, 1, 2].map((task) => [`TSINIT_TASK_ID=${task}`, 'TSINIT_WORKERS=3']));
    expect(init.events('spawned').map((line) => [line.fields.taskId, line.message])).toEqual([
      [0, 'spawned app as pid 100 (task 0)'],
      [1, 'spawned app as pid 101 (task 1)'],
      [2, 'spawned app as pid 102 (task 2)'],
    ]);
    expect(init.messages('info')[0]).toBe('3 workers (--workers)');
    expect(init.native.plan?.targets).toEqual([100, 101, 102]);
    init.native.deliver(SIGTERM);
    await init.exited;
    expect(init.code()).toBe(128 + SIGTERM);
  });

  it('ends at once with 127 when the command cannot be found, starting no other worker', async () => {
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 3, before: (native) => native.execFailures.set('app', 2) });
    await init.exited;
    expect([init.code(), init.native.alive()]).toEqual([127, []]);
  });
});

describe('running: workers restart alone, with their id, from one budget', () => {
  it('restarts a failed worker with the same id after its back-off; the others run on', async () => {
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 2, before: (native) => script(native, (task, run) => (task === 1 && run === 0 ? { after: 10, status: ended(3) } : undefined)) });
    await init.settle(10);
    expect(init.events('restart').map((line) => [line.message, line.fields.taskId])).toEqual([['app (task 1, pid 101) exited with code 3; starts again in 100 ms (restarts made: 0 of 100)', 1]]);
    expect(init.events('child-exited')[0].message).toBe('app (task 1, pid 101) exited with code 3');
    expect(init.native.plan?.targets).toEqual([100]); // the fast path again, for the one left
    await init.settle(100);
    const respawned = init.command();
    expect([respawned.pid, taskOf(init.native, respawned), init.native.processes.get(100)!.received]).toEqual([102, 1, []]);
    expect(init.native.plan?.targets).toEqual([100, 102]);
    init.native.deliver(SIGTERM);
    await init.exited;
  });

  it("--workers 2 --restart on-failure:3 of 'exit 4': 5 runs in all, then the pool's end with 4", async () => {
    const init = startSupervisor({ restart: 'on-failure:3' }, { workers: 2, before: (native) => script(native, () => ({ after: 10, status: ended(4) })) });
    await init.settle(10_000);
    await init.exited;
    expect([init.spawns(), init.code()]).toEqual([5, 4]);
    expect(init.messages('warn').at(-1)).toMatch(/^app \(task \d, pid \d+\) exited with code 4: too many child restarts \(3 made\); stopping the others$/);
  });

  it('gives each id a back-off of its own: 100, 200 for the one failing twice, 100 for the other', async () => {
    const plan = (task: number, run: number) => (run < 2 - task ? { after: 10, status: ended(1) } : { after: 5000, status: ended(0) });
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 2, before: (native) => script(native, plan) });
    await init.settle(20_000);
    await init.exited;
    const delays = init.events('restart').map((line) => [line.fields.taskId, line.fields.delayMs, line.fields.attempt]);
    expect(delays).toEqual([[0, 100, 1], [1, 100, 2], [0, 200, 3]]); // attempts count the restarts pending
    expect(init.code()).toBe(0);
  });

  it('does not restart a worker that exits 0 under on-failure; the pool ends 0 once every id is done', async () => {
    const plan = (task: number) => ({ after: 10 * (task + 1), status: ended(0) });
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 3, before: (native) => script(native, plan) });
    await init.settle(15);
    expect(init.code()).toBeUndefined(); // two still run
    await init.settle(100);
    await init.exited;
    expect([init.spawns(), init.code(), init.events('restart')]).toEqual([3, 0, []]);
  });

  it('a mix: the clean one is done, the failing one restarts until its run is clean, then 0', async () => {
    const plan = (task: number, run: number) => (task === 0 ? { after: 10, status: ended(0) } : { after: 10, status: ended(run < 2 ? 2 : 0) });
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 2, before: (native) => script(native, plan) });
    await init.settle(5000);
    await init.exited;
    expect([init.spawns(), init.code()]).toEqual([4, 0]);
  });

  it("ends with the last failure's code when a worker's restarts are not wanted (--restart no)", async () => {
    const plan = (task: number) => ({ after: 10 * (task + 1), status: ended(task === 0 ? 5 : 0) });
    const init = startSupervisor({}, { workers: 2, before: (native) => script(native, plan) });
    await init.settle(100);
    await init.exited;
    expect([init.spawns(), init.code()]).toEqual([2, 5]);
  });

  it('always:N restarts clean exits too, from the same budget', async () => {
    const init = startSupervisor({ restart: 'always:3' }, { workers: 2, before: (native) => script(native, () => ({ after: 10, status: ended(0) })) });
    await init.settle(10_000);
    await init.exited;
    expect([init.spawns(), init.code()]).toEqual([5, 0]);
  });

  it("a restart that cannot start (pids.max) is a failed attempt of that id's, with its back-off", async () => {
    const plan = (task: number, run: number) => (task === 1 && run === 0 ? { after: 10, status: ended(3) } : undefined);
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 2, before: (native) => script(native, plan) });
    await init.settle(10);
    init.native.forkFails = true;
    await init.settle(100);
    init.native.forkFails = false;
    await init.settle(200);
    expect(init.events('restart').map((line) => [line.fields.taskId, line.fields.delayMs, line.message.split(';')[0]])).toEqual([
      [1, 100, 'app (task 1, pid 101) exited with code 3'],
      [1, 200, 'app (task 1) could not start (vfork: Resource temporarily unavailable)'],
    ]);
    expect(init.native.alive().map((p) => taskOf(init.native, p))).toEqual([0, 1]);
    init.native.deliver(SIGTERM);
    await init.exited;
  });
});

describe('signals to a pool', () => {
  it("reach every worker's group (-c: every worker alone), and a worker's USR1 death is meant: no restart", async () => {
    for (const singleChild of [false, true]) {
      const init = startSupervisor({ restart: 'on-failure:100', singleChild }, { workers: 2 });
      await init.settle();
      init.native.deliver(SIGUSR1);
      await init.settle();
      expect(init.native.kills.slice(-2)).toEqual([singleChild ? [100, SIGUSR1] : [-100, SIGUSR1], singleChild ? [101, SIGUSR1] : [-101, SIGUSR1]]);
      await init.settle();
      expect(init.events('restart')).toEqual([]); // killed by what tsinit passed on
      init.native.deliver(SIGTERM);
      await init.exited;
      expect(init.code()).toBe(128 + SIGUSR1);
    }
  });

  it('SIGTERM ends the pool: a worker in its back-off is not started again, and the exit is 143', async () => {
    const plan = (task: number, run: number) => (task === 0 && run === 0 ? { after: 10, status: ended(1) } : undefined);
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 2, before: (native) => script(native, plan) });
    await init.settle(20); // task 0 in its back-off
    init.native.deliver(SIGTERM);
    await init.settle(1000);
    await init.exited;
    expect([init.spawns(), init.code(), init.native.alive()]).toEqual([2, 128 + SIGTERM, []]);
    expect(init.events('restart-cancelled').map((line) => line.message)).toEqual(['SIGTERM during its back-off: app (task 0) is not started again']);
  });

  it('SIGTERM with every worker in its back-off: the exit at once', async () => {
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 2, before: (native) => script(native, (_, run) => (run === 0 ? { after: 10, status: ended(1) } : undefined)) });
    await init.settle(20);
    init.native.deliver(SIGTERM);
    await init.settle();
    await init.exited;
    expect([init.spawns(), init.code()]).toEqual([2, 128 + SIGTERM]);
  });

  it('workers that exit 0 on SIGTERM: the pool exits 0', async () => {
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 3, before: (native) => (native.onSpawn = (p) => p.ignores.add(SIGTERM)) });
    await init.settle();
    init.native.deliver(SIGTERM);
    await init.settle();
    for (const p of init.native.alive()) init.native.end(p.pid, ended(0));
    await init.exited;
    expect(init.code()).toBe(0);
  });

  it('--delay holds the SIGTERM for every worker; the back-off ends with its arrival, not its forward', async () => {
    const plan = (task: number, run: number) => (task === 0 && run === 0 ? { after: 10, status: ended(1) } : undefined);
    const init = startSupervisor({ restart: 'on-failure:100', delays: [['TERM', 1000]] }, { workers: 2, before: (native) => script(native, plan) });
    await init.settle(20);
    const other = init.native.processes.get(101)!;
    init.native.deliver(SIGTERM);
    await init.settle(500);
    expect([init.spawns(), other.received]).toEqual([2, []]);
    await init.settle(500);
    await init.exited;
    expect([other.received, init.code()]).toEqual([[SIGTERM], 128 + SIGTERM]);
  });

  it("--kill-after: SIGKILL to every worker's group that outlives it; none restarted", async () => {
    const init = startSupervisor({ restart: 'on-failure:100', killAfterMs: 100 }, { workers: 2, before: (native) => (native.onSpawn = (p) => p.ignores.add(SIGTERM)) });
    await init.settle();
    init.native.deliver(SIGTERM);
    await init.settle(100);
    await init.exited;
    expect([init.spawns(), init.code(), init.native.kills.filter(([, signal]) => signal === SIGKILL).map(([pid]) => pid)]).toEqual([2, 128 + SIGKILL, [-100, -101]]);
  });
});

describe('a pool that ends otherwise', () => {
  it('--timeout stops every worker and cancels the back-offs: 124', async () => {
    const plan = (task: number, run: number) => (task === 0 && run === 0 ? { after: 10, status: ended(1) } : undefined);
    const init = startSupervisor({ restart: 'on-failure:100', timeoutMs: 50, graceMs: 100 }, { workers: 2, before: (native) => script(native, plan) });
    await init.settle(40); // task 0 restarted at 110 ms: not yet
    await init.settle(20);
    await init.exited;
    expect([init.spawns(), init.code(), init.native.alive()]).toEqual([2, 124, []]);
  });

  it('a failure of tsinit in a pool: every worker stopped, the back-offs cancelled, exit 1', async () => {
    const plan = (task: number, run: number) => (task === 0 && run === 0 ? { after: 10, status: ended(1) } : undefined);
    const init = startSupervisor({ restart: 'on-failure:100' }, { workers: 2, throwOn: 'signal-forwarded', before: (native) => script(native, plan) });
    await init.settle(20);
    init.native.deliver(SIGUSR1);
    await init.settle(6000);
    await init.exited;
    expect([init.spawns(), init.code(), init.native.alive()]).toEqual([2, 1, []]);
  });

  it("the budget spent: the others get SIGTERM, the grace, SIGKILL; the failed worker's code", async () => {
    const plan = (task: number) => (task === 0 ? { after: 10, status: ended(null, 11) } : undefined);
    const init = startSupervisor({ restart: 'on-failure:1', graceMs: 200 }, { workers: 2, before: (native) => script(native, plan) });
    await init.settle(5);
    const other = init.native.processes.get(101)!;
    other.ignores.add(SIGTERM);
    await init.settle(200);
    expect(other.received).toEqual([SIGTERM]);
    expect(init.messages('warn').at(-1)).toBe('app (task 0, pid 102) killed by SIGSEGV: too many child restarts (1 made); stopping the others');
    await init.settle(200);
    await init.exited;
    expect([init.spawns(), init.code(), other.received]).toEqual([3, 128 + 11, [SIGTERM, SIGKILL]]);
  });
});
