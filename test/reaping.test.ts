import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readProcess } from '../src/platform/process-tree';
import { CLI, childrenOf, initPidOf, namespaceProcesses, startCommand, startInit, waitFor } from './helpers';

// CMD makes `count` double-forked orphans, says so, and exits 3 once a line arrives on stdin.
const orphanMaker = (count: number, orphan = 'true') =>
  `i=0; while [ $i -lt ${count} ]; do (${orphan} &); i=$((i+1)); done; echo spawned; read line; exit 3`;

// Every orphan reaped: only tsinit (PID 1 at host pid `pid`) and CMD are left, neither a zombie.
const onlyInitAndCommandLeft = (pid: number) =>
  waitFor('only tsinit and the command to be left', () => {
    const left = namespaceProcesses(pid);
    return left.length === 2 && left.every((info) => info.state !== 'Z');
  });

describe('reaping', () => {
  it('reaps 200 double-forked orphans as PID 1, leaving no zombie', async () => {
    const init = startInit(['-vv', '--', 'sh', '-c', orphanMaker(200)]);
    await waitFor('the orphans to be spawned', () => init.stdout() === 'spawned\n');
    const pid = await initPidOf(init);
    await waitFor('200 orphans to be reaped', () => init.stderr().match(/reaped orphan \d+ \(sh\), exited with code 0/g)?.length === 200);
    expect(namespaceProcesses(pid).filter((info) => info.state === 'Z')).toEqual([]);
    init.child.stdin!.end('\n');
    expect((await init.closed).code).toBe(3);
  });

  it('adopts and reaps orphans as a child subreaper when not PID 1', async () => {
    const init = startCommand([process.execPath, CLI, '-v', '--', 'sh', '-c', orphanMaker(1, 'sleep 1000')]);
    const tsinit = init.child.pid!;
    try {
      await waitFor('the orphan to be spawned', () => init.stdout() === 'spawned\n');
      const orphan = await waitFor('tsinit to adopt the orphan', () => childrenOf(tsinit).find((info) => info.name === 'sleep'));
      process.kill(orphan.pid, 'SIGKILL');
      await waitFor('the killed orphan to be reaped', () => readProcess(orphan.pid) === undefined);
      init.child.stdin!.end('\n');
      expect((await init.closed).code).toBe(3);
      expect(init.stderr()).toMatch(/^\[tsinit\] not PID 1 \(pid \d+\): registered as child subreaper/);
    } finally {
      for (const leftover of childrenOf(tsinit)) process.kill(leftover.pid, 'SIGKILL');
    }
  });

  it('neither hangs nor leaves a zombie under 500 orphans and 100 forwarded signals', async () => {
    const init = startInit(['-vv', '--', 'sh', '-c', orphanMaker(500)]);
    const pid = await initPidOf(init);
    await waitFor('the command to start', () => childrenOf(pid).length > 0);
    for (let i = 0; i < 100; i++) {
      process.kill(pid, i % 2 ? 'SIGWINCH' : 'SIGURG'); // ignored by sh and the orphans: they keep going
      await nextTurn();
    }
    await waitFor('the orphans to be spawned', () => init.stdout() === 'spawned\n');
    await onlyInitAndCommandLeft(pid);
    init.child.stdin!.end('\n');
    expect((await init.closed).code).toBe(3);
    // Signals coalesce while pending, so fewer than 100 may be forwarded, but both kinds were.
    expect(init.stderr()).toMatch(/\[tsinit\] SIGWINCH forwarded to group \d+\n/);
    expect(init.stderr()).toMatch(/\[tsinit\] SIGURG forwarded to group \d+\n/);
  });

  // At the default verbosity the addon's signal handler reaps orphans; -w makes each a warning, in JS.
  it.each([
    ['reaped in the signal handler, unreported', []],
    ['each reap warned (-w), in JS', ['-w']],
  ])('leaves no zombie after a storm of 300 orphans: %s', async (_, flags) => {
    const init = startInit([...flags, '--', 'sh', '-c', orphanMaker(300)]);
    const pid = await initPidOf(init);
    await waitFor('the orphans to be spawned', () => init.stdout() === 'spawned\n');
    await onlyInitAndCommandLeft(pid);
    init.child.stdin!.end('\n');
    expect((await init.closed).code).toBe(3);
    const warnings = init.stderr().match(/\[tsinit\] reaped orphan \d+ \(sh\), exited with code 0\n/g)?.length ?? 0;
    expect(warnings).toBe(flags.length ? 300 : 0);
  });
});
