import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProcess } from '../src/platform/process-tree';
import { CLI, initPidOf, RECORDER, runInit, startCommand, startInit, startRecorder, tempDir, waitFor } from './helpers';

const { SIGINT, SIGTERM, SIGUSR2 } = constants.signals;
const scratch = (name: string) => path.join(tempDir('tsinit-features-'), name);
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('--timeout', () => {
  it('stops a forking command and its TERM-ignoring grandchild, leaves nothing and exits 124', async () => {
    // Not PID 1 (a subreaper): nothing would end the grandchild but tsinit itself.
    const pidFile = scratch('grandchild.pid');
    const script = `sh -c 'trap "" TERM; echo $$ > ${pidFile}; exec sleep 30' & sleep 30`;
    const init = startCommand([process.execPath, CLI, '--timeout', '1s', '--grace', '200ms', '--', 'sh', '-c', script]);
    const { code } = await init.closed;
    expect(code).toBe(124);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(readProcess(grandchild)).toBeUndefined(); // killed and reaped
    expect(init.stderr()).toMatch(/^\[tsinit\] sh ran longer than 1000 ms \(--timeout\); exiting with code 124; still running: \d+ \(sh\), .*\d+ \(sleep\).*; SIGTERM now, SIGKILL in 200 ms\n/);
    expect(init.stderr()).toContain(`grace of 200 ms over; SIGKILL to ${grandchild} (sleep)`);
  });

  it('counts restarts in: a command started again and again still ends with 124', async () => {
    const result = await runInit(['--timeout', '500ms', '--restart', 'always', '--', 'sh', '-c', 'exit 0']);
    expect(result.code).toBe(124);
    expect(result.stderr).toMatch(/\[tsinit\] sh ran longer than 500 ms since its first start \(--timeout\); exiting with code 124\n$/);
  });

  it("leaves a command that ends in time its own exit code", async () => {
    expect(await runInit(['--timeout', '1m', '--', 'sh', '-c', 'exit 3'])).toEqual({ code: 3, stdout: '', stderr: '' });
  });
});

describe('--delay', () => {
  it('holds SIGTERM for its delay: a signal sent after it arrives first', async () => {
    const { pid, received, stop } = await startRecorder(['-v', '--delay', 'TERM:300ms', '--', ...RECORDER]);
    try {
      process.kill(pid, SIGTERM);
      process.kill(pid, SIGUSR2);
      await waitFor('SIGTERM after its delay', () => received().length === 2);
      expect(received()).toEqual([SIGUSR2, SIGTERM]);
    } finally {
      await stop();
    }
  });

  it.each([
    ['a second SIGTERM', SIGTERM, [SIGUSR2, SIGTERM]],
    ['a SIGINT', SIGINT, [SIGUSR2, SIGTERM, SIGINT]],
  ])('forwards a held SIGTERM at once on %s', async (_, second, expected) => {
    const { init, pid, received, stop } = await startRecorder(['-v', '--delay', 'TERM:60m', '--', ...RECORDER]);
    try {
      process.kill(pid, SIGTERM);
      process.kill(pid, SIGUSR2); // forwarded at once, while SIGTERM is held
      await waitFor('SIGTERM to be held', () => init.stderr().includes('[tsinit] SIGTERM held 3600000 ms before it is forwarded (--delay)\n'));
      await waitFor('SIGUSR2', () => received().includes(SIGUSR2));
      expect(received()).toEqual([SIGUSR2]);
      process.kill(pid, second);
      await waitFor('what was held, and what came', () => received().length === expected.length);
      expect(received().slice(1).sort()).toEqual(expected.slice(1).sort()); // forwarded together: the kernel orders them
    } finally {
      await stop();
    }
  });
});

describe('--restart', () => {
  it('starts a command that fails twice again until it succeeds, then exits 0', async () => {
    const runs = scratch('runs');
    const script = `echo run >> ${runs}; [ $(wc -l < ${runs}) -ge 3 ]`;
    const result = await runInit(['--restart', 'on-failure', '--', 'sh', '-c', script]);
    expect(result.code).toBe(0);
    expect(lines(runs)).toHaveLength(3);
    expect(result.stderr).toBe('[tsinit] sh exited with code 1; restart 1 in 100 ms\n[tsinit] sh exited with code 1; restart 2 in 200 ms\n');
  });

  it('stops after on-failure:2 restarts, with the last exit code', async () => {
    const runs = scratch('runs');
    const result = await runInit(['--restart', 'on-failure:2', '--', 'sh', '-c', `echo run >> ${runs}; exit 7`]);
    expect(result.code).toBe(7);
    expect(lines(runs)).toHaveLength(3);
  });

  it('ends at once on a SIGTERM during the back-off, with the last exit code', async () => {
    const runs = scratch('runs');
    const init = startInit(['-v', '--restart', 'always', '--', 'sh', '-c', `echo run >> ${runs}; exit 5`]);
    const pid = await initPidOf(init);
    // The fifth back-off is 1.6 s: SIGTERM lands in it, not in a run.
    await waitFor('the fifth restart to be announced', () => init.stderr().includes('restart 5 in 1600 ms'));
    process.kill(pid, SIGTERM);
    expect((await init.closed).code).toBe(5);
    expect(lines(runs)).toHaveLength(5);
    expect(init.stderr()).toContain('[tsinit] SIGTERM during the back-off: sh is not started again\n');
  });

  it("stops a dead run's leftovers before the next run starts", async () => {
    const runs = scratch('runs');
    const leftover = scratch('leftover.pid');
    // The first run leaves a sleep behind and fails; the second says whether it is still there.
    const script = `if [ ! -e ${leftover} ]; then sleep 30 & echo $! > ${leftover}; exit 1; fi; kill -0 $(cat ${leftover}) 2>/dev/null && echo alive >> ${runs}; echo second >> ${runs}`;
    const result = await runInit(['-v', '--restart', 'on-failure', '--', 'sh', '-c', script]);
    expect(result.code).toBe(0);
    expect(lines(runs)).toEqual(['second']);
    expect(result.stderr).toMatch(/sh exited; before it starts again; still running: \d+ \((sh|sleep)\); SIGTERM now/); // sh until its exec
  });

  it('logs each restart as a JSON event with the attempt, the previous status and the delay', async () => {
    const result = await runInit(['--log-format', 'json', '--restart', 'on-failure:1', '--', 'sh', '-c', 'kill -USR1 $$']);
    expect(result.code).toBe(138);
    const events = result.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    expect(events).toEqual([expect.objectContaining({ level: 'warn', event: 'restart', attempt: 1, delayMs: 100, exitCode: null, signal: 'SIGUSR1' })]);
  });

  it('does not start again a command that a forwarded signal ended', async () => {
    const runs = scratch('runs');
    const init = startInit(['--restart', 'always', '--', 'sh', '-c', `echo run >> ${runs}; exec sleep 30`]);
    const pid = await initPidOf(init);
    await waitFor('the first run', () => lines(runs).length === 1);
    process.kill(pid, 'SIGHUP');
    expect(await init.closed).toMatchObject({ code: 129 });
    expect(lines(runs)).toHaveLength(1);
  });

  it("does not start again a command that --kill-after's SIGKILL ended: tsinit sent it", async () => {
    // -r USR1:TERM: a USR1 is no stop of the container, but it arms --kill-after.
    const runs = scratch('runs');
    const init = startInit(['--restart', 'on-failure', '--kill-after', '200ms', '-r', 'USR1:TERM', '--', 'sh', '-c', `trap '' TERM; echo run >> ${runs}; exec sleep 30`]);
    const pid = await initPidOf(init);
    await waitFor('the first run', () => lines(runs).length === 1);
    process.kill(pid, 'SIGUSR1');
    expect(await init.closed).toMatchObject({ code: 137 });
    expect(lines(runs)).toHaveLength(1);
  });
});
