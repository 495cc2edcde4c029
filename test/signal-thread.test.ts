import { readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AS_PID_1, initPidOf, makeCgroup, parseStatus, startCommand, startRecorder, waitFor } from './helpers';

const { SIGCHLD, SIGHUP, SIGTERM, SIGUSR1 } = constants.signals;
const SIGNAL_THREAD = 'tsinit-signals';

// Each thread of `pid`: its name, the signals it blocks (SigBlk's bits) and how often it went to
// sleep (voluntary context switches: one per wake, however busy the machine).
function threadsOf(pid: number) {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const status = parseStatus(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
    return { tid: Number(tid), name: status.get('Name'), blocked: BigInt(`0x${status.get('SigBlk')}`), sleeps: Number(status.get('voluntary_ctxt_switches')) };
  });
}

const blocks = (blocked: bigint, signals: number[]) => signals.every((signal) => (blocked >> BigInt(signal - 1)) & 1n);

// The tasks a bare Node starts with, its main thread included: tsinit's before its signal thread.
async function nodeTasks(): Promise<number> {
  const node = startCommand([process.execPath, '-e', 'console.log("up"); setInterval(() => {}, 1000)']);
  await waitFor('node to start', () => node.stdout() === 'up\n');
  const tasks = readdirSync(`/proc/${node.child.pid}/task`).length;
  node.child.kill('SIGKILL');
  await node.closed;
  return tasks;
}

describe('the signal thread', () => {
  it("takes every signal, as tini's sigtimedwait does: the loop's thread is not woken by forwards", async () => {
    const { pid, received, stop } = await startRecorder();
    try {
      const watched = [SIGCHLD, SIGHUP, SIGTERM, SIGUSR1];
      await waitFor('every other thread to block the signals', () => {
        const threads = threadsOf(pid);
        return threads.some(({ name }) => name === SIGNAL_THREAD) && threads.every(({ name, blocked }) => name === SIGNAL_THREAD || blocks(blocked, watched));
      });
      const loopSleeps = () => threadsOf(pid).find(({ tid }) => tid === pid)!.sleeps;
      const before = loopSleeps();
      for (let sent = 1; sent <= 100; sent++) {
        process.kill(pid, SIGUSR1);
        await waitFor(`SIGUSR1 number ${sent}`, () => received().length === sent);
      }
      expect(loopSleeps() - before).toBeLessThan(10); // a handler on the loop's thread: 100 or more
      expect(received()).toEqual(Array(100).fill(SIGUSR1)); // and no block message taken for a signal
    } finally {
      await stop();
    }
  });

  it('is left out, the handler doing its work, when pids.max has room for CMD and no more', async () => {
    const cgroup = makeCgroup('pids', `tsinit-pids-${process.pid}`);
    try {
      writeFileSync(path.join(cgroup.dir, 'pids.max'), String(1 + (await nodeTasks()) + 1)); // unshare, tsinit, CMD
      const init = startCommand([...cgroup.enter, ...AS_PID_1, '-vv', '--', 'sleep', '1000']); // sleep: no fork of its own
      const pid = await initPidOf(init);
      await waitFor('CMD to start', () => /^\[tsinit\] spawned sleep/m.test(init.stderr()));
      await waitFor('the thread to be tried', () => /^\[tsinit\] signals stay with the handler: no thread for them \(EAGAIN\)$/m.test(init.stderr()));
      expect(threadsOf(pid).map(({ name }) => name)).not.toContain(SIGNAL_THREAD);
      process.kill(pid, SIGUSR1);
      expect((await init.closed).code).toBe(128 + SIGUSR1); // forwarded by the handler: sleep died of it
    } finally {
      rmdirSync(cgroup.dir);
    }
  });
});
