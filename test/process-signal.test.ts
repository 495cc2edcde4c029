import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type Native } from '../src/platform/native';
import { signalProcess } from '../src/platform/process-signal';
import { readProcess } from '../src/platform/process-tree';
import { BUILT_ADDON, waitFor } from './helpers';

// The tree stop's signal, with the real addon and kernel: it reaches the process it listed, and
// never the one that took its pid after it ended (pids are reused once a zombie is reaped).
const native = require(BUILT_ADDON) as Native;
const children: number[] = [];
afterEach(() => {
  for (const pid of children.splice(0)) if (readProcess(pid)) process.kill(pid, 'SIGKILL');
});

function sleeper() {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child.pid!);
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, signal) => resolve(signal)));
  return { pid: child.pid!, ended };
}

describe('signalProcess (pidfd and start time)', () => {
  it('signals the very process it read from /proc', async () => {
    const { pid, ended } = sleeper();
    const info = await waitFor('sleep to run', () => readProcess(pid));
    expect(signalProcess(native, info, 15)).toBe(true);
    expect(await ended).toBe('SIGTERM');
  });

  it('spares a process that has the pid now but started after the one listed', async () => {
    const { pid, ended } = sleeper();
    const info = await waitFor('sleep to run', () => readProcess(pid));
    // As if the listed process had ended and its pid gone to this one: the same pid, an earlier start.
    expect(signalProcess(native, { ...info, startTime: info.startTime - 1 }, 9)).toBe(false);
    expect(signalProcess(native, info, 15)).toBe(true);
    expect(await ended).toBe('SIGTERM'); // a SIGKILL sent by mistake would have come first
  });

  it('without a pidfd (old kernel, no fd to spare) checks the start time before kill() all the same', async () => {
    const { pid, ended } = sleeper();
    const info = await waitFor('sleep to run', () => readProcess(pid));
    const emfile = () => {
      throw Object.assign(new Error('pidfd_open: Too many open files'), { code: 'EMFILE' });
    };
    const noPidfd = Object.create(native, { pidfdOpen: { value: emfile } }) as Native;
    expect(signalProcess(noPidfd, { ...info, startTime: info.startTime - 1 }, 15)).toBe(false);
    expect(signalProcess(noPidfd, info, 15)).toBe(true);
    expect(await ended).toBe('SIGTERM');
  });

  it('says false for a process that is gone', async () => {
    const { pid, ended } = sleeper();
    const info = await waitFor('sleep to run', () => readProcess(pid));
    process.kill(pid, 'SIGKILL');
    await ended;
    expect(signalProcess(native, info, 15)).toBe(false);
  });
});
