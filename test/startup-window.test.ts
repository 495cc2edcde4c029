import { existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { childrenOf, parseStatus, startInit, waitFor, type StartOptions } from './helpers';

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
    const dir = mkdtempSync(path.join(tmpdir(), 'tsinit-'));
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
