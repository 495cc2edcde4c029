import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { childrenOf, namespaceProcesses, startCommand, waitFor, type Started } from '../test/helpers';

/** An init under test: how to run CMD under it. */
export interface Init {
  name: string;
  command: string[];
}

/** Everything but the init: a fresh PID namespace with /proc, as the inits get it. */
export const NAMESPACE = ['unshare', '--pid', '--fork', '--mount-proc'];


/** Milliseconds to run a command to its end. */
export function timeRun(command: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Milliseconds from CMD's _exit (it prints CLOCK_MONOTONIC just before) to the namespace being gone. */
export function exitLatency(command: string[]): number {
  const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
  const end = process.hrtime.bigint();
  return Number(end - BigInt(result.stdout.trim())) / 1e6;
}

function startInNamespace(init: Init | undefined, cmd: string[]): Started {
  return startCommand([...NAMESPACE, ...(init?.command ?? []), ...cmd]);
}

async function initPid(started: Started): Promise<number> {
  return waitFor('the init to start', () => childrenOf(started.child.pid!)[0]?.pid);
}

async function stop(started: Started, pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await started.closed;
}

function threadsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`);
}

/** Context switches of every thread of a process so far: each one is a wake-up. */
function contextSwitches(pid: number): number {
  return threadsOf(pid).reduce((sum, tid) => {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    return sum + [...status.matchAll(/_ctxt_switches:\s+(\d+)/g)].reduce((n, match) => n + Number(match[1]), 0);
  }, 0);
}

/** CPU time of every thread of a process so far, in ns (schedstat, not 10 ms ticks). */
export function cpuNs(pid: number): number {
  return threadsOf(pid).reduce((sum, tid) => sum + Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]), 0);
}

/** Idle memory and wake-ups of a process that runs `cmd` (an init with `sleep`, or bare node). */
export async function idleFigures(init: Init | undefined, cmd: string[], settleMs: number, idleMs: number) {
  const started = startInNamespace(init, cmd);
  const pid = await initPid(started);
  if (init) await waitFor('the command to start', () => childrenOf(pid).some((info) => info.name === 'sleep'));
  await sleep(settleMs); // let start-up work finish: we want the steady state
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)![1]);
  const before = contextSwitches(pid);
  await sleep(idleMs);
  const wakeups = ((contextSwitches(pid) - before) * 1000) / idleMs;
  const ussMB = (kB('Private_Clean') + kB('Private_Dirty')) / 1024;
  const figures = { rssMB: kB('Rss') / 1024, pssMB: kB('Pss') / 1024, ussMB, threads: threadsOf(pid).length, wakeupsPerS: wakeups };
  await stop(started, pid);
  return figures;
}

// Microseconds from kill(init, signal) to the command's sigwaitinfo returning; `arrived` is
// how many the clock has printed before this one.
async function forwardOnce(started: Started, pid: number, signal: NodeJS.Signals, arrived: number): Promise<number> {
  const sent = process.hrtime.bigint();
  process.kill(pid, signal);
  const line = await waitFor('the signal to arrive', () => started.stdout().split('\n')[arrived + 1], 5_000);
  return Number(BigInt(line) - sent) / 1e3;
}

// The init with the signal clock as CMD, once settled: start-up's work over, as in the idle figures.
async function startClock(init: Init, helper: string, settleMs: number) {
  const started = startInNamespace(init, [helper, 'signal-clock']);
  await waitFor('the signal clock', () => started.stdout().startsWith('ready\n'));
  await sleep(settleMs);
  return { started, pid: await initPid(started) };
}

/** SIGUSR1s forwarded back to back: the latency of each (µs), and the init's CPU per signal (µs). */
export async function forwardLatencies(init: Init, helper: string, settleMs: number, count: number) {
  const { started, pid } = await startClock(init, helper, settleMs);
  const latencies: number[] = [];
  const cpuBefore = cpuNs(pid);
  for (let i = 0; i < count; i++) latencies.push(await forwardOnce(started, pid, 'SIGUSR1', i));
  const cpuPerSignalUs = (cpuNs(pid) - cpuBefore) / 1e3 / count;
  await stop(started, pid);
  return { latencies, cpuPerSignalUs };
}

/** The latency (µs) of a SIGTERM after `idleMs` of quiet, as `docker stop` sends it: `count` times. */
export async function firstSignalAfterIdle(init: Init, helper: string, settleMs: number, idleMs: number, count: number): Promise<number[]> {
  const { started, pid } = await startClock(init, helper, settleMs);
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(idleMs); // the quiet is what is measured
    latencies.push(await forwardOnce(started, pid, 'SIGTERM', i));
  }
  await stop(started, pid);
  return latencies;
}

/** An orphan storm: CMD double-forks `count` orphans; how fast and how cheaply the init reaps them. */
export async function orphanStorm(init: Init, helper: string, settleMs: number, count: number) {
  const started = startInNamespace(init, [helper, 'orphan-storm', String(count)]);
  await waitFor('the storm to be ready', () => started.stdout() === 'ready\n');
  await sleep(settleMs); // start-up's work over
  const pid = await initPid(started);
  const zombies = () => namespaceProcesses(pid).filter((info) => info.state === 'Z').length;
  let peakZombies = 0;
  const cpuBefore = cpuNs(pid);
  const start = process.hrtime.bigint();
  started.child.stdin!.write('go');
  await waitFor(
    'every orphan to be reaped',
    () => {
      peakZombies = Math.max(peakZombies, zombies());
      return started.stdout().endsWith('done\n') && namespaceProcesses(pid).length === 2 && zombies() === 0;
    },
    600_000,
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuPerOrphanUs = (cpuNs(pid) - cpuBefore) / 1e3 / count;
  started.child.stdin!.end();
  await started.closed;
  return { orphansPerS: count / seconds, cpuPerOrphanUs, peakZombies };
}
