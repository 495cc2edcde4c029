import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { childrenOf, parseStatus, socketsOf, startInit, tempDir, waitFor, type StartOptions } from './helpers';

const RUNS = 40;

// Whether Node has set up its own signal handling in `pid`: its boot handler for SIGTERM
// exists (a bit of SigCgt), and the process is node, not unshare before its exec.
function nodeHandlesSignals(pid: number): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/exe`) !== process.execPath) return false;
    const caught = BigInt(`0x${parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8')).get('SigCgt')}`);
    return ((caught >> BigInt(constants.signals.SIGTERM - 1)) & 1n) === 1n;
  } catch {
    return false; // not started yet, or gone
  }
}

// The same, in the tsinit that restarted itself without NODE_OPTIONS (see the README's window).
function restartedNodeHandlesSignals(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').some((entry) => entry.startsWith('NODE_OPTIONS='))
      && nodeHandlesSignals(pid);
  } catch {
    return false;
  }
}

type Ready = (pid: number) => boolean;

// tsinit as PID 1 running `sleep 30`, once `ready` holds.
async function startSleeping(ready: Ready, options?: StartOptions) {
  const init = startInit(['--', 'sleep', '30'], options);
  const pid = await waitFor('tsinit to exist', () => childrenOf(init.child.pid!)[0]?.pid);
  await waitFor("Node's signal set-up", () => ready(pid));
  return { init, pid };
}

// `signal` `delayMs` after `ready`: how tsinit ended (its code, or still running 10 s later).
async function signalAfter(signal: NodeJS.Signals, delayMs: number, ready: Ready, options?: StartOptions) {
  const { init, pid } = await startSleeping(ready, options);
  await sleep(delayMs);
  process.kill(pid, signal);
  const outcome = await Promise.race([init.closed, sleep(10_000, 'still running 10 s after the signal')]);
  if (typeof outcome === 'string') process.kill(pid, 'SIGKILL');
  await init.closed;
  return { delayMs, outcome: typeof outcome === 'string' ? outcome : outcome.code };
}

// How long start-up lasts here, from `ready` to `sleep` running under tsinit.
async function startUpMs(ready: Ready, options?: StartOptions): Promise<number> {
  const { init, pid } = await startSleeping(ready, options);
  const start = performance.now();
  await waitFor('the command to run', () => childrenOf(pid).some((info) => info.name === 'sleep'), 30_000);
  const elapsed = performance.now() - start;
  process.kill(pid, 'SIGKILL');
  await init.closed;
  return elapsed;
}

// `signal` at delays spread from 0 to 1.5 times start-up, two runs at a time: the outcomes
// that were not `code`.
async function sweep(signal: NodeJS.Signals, code: number, ready: Ready, options?: StartOptions) {
  const span = 1.5 * (await startUpMs(ready, options));
  const delays = Array.from({ length: RUNS }, (_, run) => (span * run) / (RUNS - 1));
  const results = [];
  for (let run = 0; run < RUNS; run += 2) {
    results.push(...(await Promise.all(delays.slice(run, run + 2).map((delay) => signalAfter(signal, delay, ready, options)))));
  }
  return results.filter((result) => result.outcome !== code);
}

describe('a stop signal sent while tsinit starts is acted on, not lost', () => {
  it('SIGTERM at any moment after Node set up its signals ends the command: 143', async () => {
    expect(await sweep('SIGTERM', 143, nodeHandlesSignals)).toEqual([]);
  });

  it('SIGINT the same: 130', async () => {
    expect(await sweep('SIGINT', 130, nodeHandlesSignals)).toEqual([]);
  });

  it('SIGTERM with NODE_OPTIONS set, from the restarted tsinit on', async () => {
    const options = { env: { NODE_OPTIONS: '--max-old-space-size=100' } };
    expect(await sweep('SIGTERM', 143, restartedNodeHandlesSignals, options)).toEqual([]);
  });

  it('carries a SIGTERM that came before the restart across it', async () => {
    // A preload that stalls the first Node (NODE_OPTIONS applies to it): the signal comes while
    // Node's own boot handler catches it, before any code of tsinit runs.
    const dir = tempDir('tsinit-');
    const marker = path.join(dir, 'stalling');
    const preload = path.join(dir, 'stall.js');
    writeFileSync(preload, `require('fs').writeFileSync(${JSON.stringify(marker)}, ''); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);`);
    const init = startInit(['--', 'sleep', '30'], { env: { NODE_OPTIONS: `--require ${preload}` } });
    const pid = await waitFor('tsinit to exist', () => childrenOf(init.child.pid!)[0]?.pid);
    await waitFor('the preload to stall', () => existsSync(marker));
    process.kill(pid, 'SIGTERM');
    expect((await init.closed).code).toBe(143);
  });
});

describe("a SIGUSR1 sent while tsinit starts never leaves Node's inspector open", () => {
  // Node keeps SIGUSR1 blocked from its start until its inspector handler takes it; a helper
  // thread then has the port opened, and tsinit closes it (it looks until 1 s after start-up).
  // CMD ignores SIGUSR1 once its trap is set; before that it dies of it (forwarded: exit 138).
  async function usr1After(delayMs: number) {
    const init = startInit(['--', 'sh', '-c', "trap '' USR1; while :; do sleep 0.05; done"]);
    const pid = await waitFor('tsinit to exist', () => childrenOf(init.child.pid!)[0]?.pid);
    await waitFor("Node's signal set-up", () => nodeHandlesSignals(pid));
    await sleep(delayMs);
    process.kill(pid, 'SIGUSR1');
    const sent = performance.now();
    let code: number | null | undefined;
    void init.closed.then((closed) => (code = closed.code));
    await waitFor('the inspector closed, or never opened, or the signal forwarded', () => {
      if (code !== undefined) return true;
      if (init.stderr().includes('Debugger listening')) return init.stderr().includes('opened its inspector') && socketsOf(pid).length === 0;
      return performance.now() - sent > 1_500 && socketsOf(pid).length === 0;
    });
    const exited = code; // CMD died of the signal, before its trap
    if (exited === undefined) process.kill(pid, 'SIGKILL');
    await init.closed;
    return { code: exited, stderr: init.stderr() };
  }

  it('closes the inspector it opened during boot, or forwards the signal', async () => {
    const span = 1.5 * (await startUpMs(nodeHandlesSignals));
    const runs = 12;
    for (let run = 0; run < runs; run += 2) {
      const results = await Promise.all([run, run + 1].map((index) => usr1After((span * index) / (runs - 1))));
      for (const { code, stderr } of results) {
        if (code !== undefined) expect(code, stderr).toBe(138);
        if (stderr.includes('Debugger listening')) expect(stderr).toMatch(/\[tsinit\] a SIGUSR1 during Node's start-up opened its inspector \(ws:.*\); closed\n/);
      }
    }
  });
});
