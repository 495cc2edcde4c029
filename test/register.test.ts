import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseRegisterOptions } from '../src/config/register-options';
import { readProcess } from '../src/platform/process-tree';
import { AS_PID_1, childrenOf, killWhenDone, runCommand, startCommand, waitFor } from './helpers';

// `node -r tsinit-pid1/register app.js` as a real PID 1: ending signals with and without the
// app's listener, the exit's stop, not PID 1, under the CLI, twice. The reaping beside every
// child_process API is register-stress.test.ts's.

const REGISTER = path.resolve(__dirname, '../dist/register.js');
const UNSHARE = AS_PID_1.slice(0, 4);
const INDEX = path.resolve(__dirname, '../dist/index.js');
// The app: a child that says its pid, then whatever `body` does; alive until something ends it.
const app = (body = '') => `
  const child = require('child_process').spawn('sleep', ['60'], { stdio: 'ignore' });
  console.log('child', child.pid);
  ${body}
  setInterval(() => {}, 1000);`;
const asPid1 = (program: string, env: Record<string, string> = {}) => startCommand([...UNSHARE, process.execPath, '-r', REGISTER, '-e', program], { env: { TSINIT_VERBOSITY: '2', ...env } });

// The app's host pid and its child's, once it said it.
async function started(init: ReturnType<typeof startCommand>) {
  const appPid = await waitFor('the app', () => childrenOf(init.child.pid!)[0]?.pid);
  killWhenDone(appPid);
  const child = Number(await waitFor('its child', () => /^child (\d+)$/m.exec(init.stdout())?.[1]));
  const hostChild = await waitFor('its child on the host', () => childrenOf(appPid).find((info) => info.name === 'sleep')?.pid);
  return { appPid, child, hostChild };
}

describe('an ending signal to the app as PID 1', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)('%s with no listener of the app: its children stopped, exit %i', async (signal, code) => {
    const init = asPid1(app());
    const { appPid, hostChild } = await started(init);
    process.kill(appPid, signal);
    expect((await init.closed).code).toBe(code);
    expect(readProcess(hostChild)).toBeUndefined();
    expect(init.stderr()).toContain(`[tsinit] ${signal} and no listener of the app's for it: exiting with code ${code}; still running: `);
  });

  it('a child that ignores SIGTERM gets SIGKILL after the grace', async () => {
    const program = app(`require('child_process').spawn('sh', ['-c', 'trap "" TERM; echo stubborn; sleep 60'], { stdio: ['ignore', 'inherit', 'ignore'] });`);
    const init = startCommand([...UNSHARE, process.execPath, '-e', `require(${JSON.stringify(INDEX)}).register({ graceMs: 300, verbosity: 2 });\n${program}`]);
    const { appPid } = await started(init);
    await waitFor('the stubborn child', () => init.stdout().includes('stubborn'));
    process.kill(appPid, 'SIGTERM');
    expect((await init.closed).code).toBe(143);
    expect(init.stderr()).toMatch(/\[tsinit\] grace of 300 ms over; SIGKILL to \d+ \(sh\)/);
  });

  it('with a listener of its own, the app decides: nothing is signalled by tsinit', async () => {
    const init = asPid1(app(`process.on('SIGTERM', () => { console.log('app got SIGTERM'); setTimeout(() => process.exit(7), 100); });`));
    const { appPid, hostChild } = await started(init);
    process.kill(appPid, 'SIGTERM');
    await waitFor('the app to hear it', () => init.stdout().includes('app got SIGTERM'));
    expect(readProcess(hostChild)?.state).toMatch(/[SR]/); // still running: the app did not ask
    expect((await init.closed).code).toBe(7);
    expect(init.stderr()).toContain('[tsinit] the app exits; still running: '); // the exit's stop
  });
});

describe('listeners that are not the app deciding', () => {
  it("signal-exit's (execa and others load it): it only re-raises when alone, so SIGTERM still ends the app, its exit hooks run", async () => {
    const signalExit = require.resolve('signal-exit');
    const init = asPid1(app(`require(${JSON.stringify(signalExit)}).onExit(() => console.log('onExit ran'));`));
    const { appPid, hostChild } = await started(init);
    process.kill(appPid, 'SIGTERM');
    expect((await init.closed).code).toBe(143);
    expect(readProcess(hostChild)).toBeUndefined();
    expect(init.stdout()).toContain('onExit ran');
  });

  it('an app that removes every SIGTERM listener: the listener is back, SIGTERM still ends it', async () => {
    const init = asPid1(app(`process.removeAllListeners('SIGTERM');`));
    const { appPid } = await started(init);
    process.kill(appPid, 'SIGTERM');
    expect((await init.closed).code).toBe(143);
  });
});

describe('at the exit', () => {
  it("a worker thread's spawnSync keeps its children: the exit's stop takes none of their statuses", async () => {
    const program = `
      const { Worker } = require('worker_threads');
      new Worker("const { spawnSync } = require('child_process'); const end = Date.now() + 3000; while (Date.now() < end) if (spawnSync('true').status !== 0) process.exit(9);", { eval: true });
      setTimeout(() => process.exit(3), 300);`;
    const result = await runCommand([...UNSHARE, process.execPath, '-r', REGISTER, '-e', program]);
    expect(result.code).toBe(3); // was: a hang, the worker's spawnSync waiting for a status the exit took
  });

  it("what the app leaves gets SIGTERM before the app's own code is the exit code", async () => {
    const init = asPid1(`
      const child = require('child_process').spawn('sleep', ['60'], { stdio: 'ignore' });
      console.log('child', child.pid);
      setTimeout(() => process.exit(3), 200);`);
    const { hostChild } = await started(init);
    expect((await init.closed).code).toBe(3);
    expect(readProcess(hostChild)).toBeUndefined();
  });
});

describe('where register has nothing to do', () => {
  it('not PID 1: one line at -v, no signal handling, no reaping', async () => {
    const result = await runCommand([process.execPath, '-r', REGISTER, '-e', 'process.exit(0)'], { env: { TSINIT_VERBOSITY: '2' } });
    expect(result).toEqual({ code: 0, stdout: '', stderr: expect.stringMatching(/^\[tsinit\] not PID 1 \(pid \d+\): nothing to do \(subreaper: true reaps the app's orphans here\)\n$/) });
  });

  it("not PID 1 with subreaper: the app's orphans are reaped here", async () => {
    const program = `
      require(${JSON.stringify(INDEX)}).register({ subreaper: true, verbosity: 3 });
      require('child_process').spawn('sh', ['-c', '(sleep 0.1; exit 5) & exit 0'], { stdio: 'ignore' });
      setTimeout(() => process.exit(0), 1000);`;
    const result = await runCommand([process.execPath, '-e', program]);
    expect(result.stderr).toMatch(/registered as child subreaper, reaping orphans\n/);
    expect(result.stderr).toMatch(/\[tsinit\] reaped orphan \d+ \(sh\), exited with code 5\n/);
  });

  it('under the tsinit CLI: the CLI reaps and forwards, register stands aside', async () => {
    const result = await runCommand([...AS_PID_1, '--', process.execPath, '-r', REGISTER, '-e', 'process.exit(0)'], { env: { TSINIT_VERBOSITY: '2' } });
    expect(result.stderr).toMatch(/\[tsinit\] under tsinit \(pid \d+\), which reaps and forwards: register does nothing\n/);
    expect(result.code).toBe(0);
  });

  it('loaded twice (-r and register() in code): the second does nothing', async () => {
    const result = await runCommand([...UNSHARE, process.execPath, '-r', REGISTER, '-e', `require(${JSON.stringify(INDEX)}).register({ verbosity: 2 })`], { env: { TSINIT_VERBOSITY: '2' } });
    expect(result.stderr).toBe('[tsinit] PID 1: reaping orphans, ending on SIGTERM, SIGINT, SIGHUP\n[tsinit] registered already in this process: this one does nothing\n');
  });

  it('in a worker thread (node -r loads it there too): the main thread stays the only init', async () => {
    const program = `
      const { Worker } = require('worker_threads');
      const child = require('child_process').spawn('sleep', ['0.3'], { stdio: 'ignore' });
      child.on('exit', (code) => console.log('child exit', code));
      new Worker('setTimeout(() => {}, 50)', { eval: true }).on('exit', () => console.log('worker done'));`;
    const result = await runCommand([...UNSHARE, process.execPath, '-r', REGISTER, '-e', program], { env: { TSINIT_VERBOSITY: '2' } });
    expect(result.stdout.split('\n').sort()).toEqual(['', 'child exit 0', 'worker done']); // the worker's end stopped nothing, took no status
    expect(result.stderr).toBe('[tsinit] PID 1: reaping orphans, ending on SIGTERM, SIGINT, SIGHUP\n');
  });

  it('a bad TSINIT_VERBOSITY: as PID 1 one line and exit 2, the app not run; elsewhere a warning, and the app runs', async () => {
    const env = { TSINIT_VERBOSITY: 'loud' };
    const asInit = await runCommand([...UNSHARE, process.execPath, '-r', REGISTER, '-e', 'console.log("ran")'], { env });
    expect(asInit).toEqual({ code: 2, stdout: '', stderr: '[tsinit] bad TSINIT_VERBOSITY=loud (want 0-3)\n' });
    const elsewhere = await runCommand([process.execPath, '-r', REGISTER, '-e', 'console.log("ran")'], { env });
    expect(elsewhere).toEqual({ code: 0, stdout: 'ran\n', stderr: '[tsinit] bad TSINIT_VERBOSITY=loud (want 0-3): ignored, not PID 1\n' });
  });

  it('refuses signals that no listener can take: a TypeError naming the option', () => {
    for (const signal of ['SIGKILL', 'SIGCHLD', 'SIGSEGV', 'SIGRTMIN+1']) {
      expect(() => normaliseRegisterOptions({ signals: [signal] }, [34, 64])).toThrow(new TypeError(`register: signals must be signals a process can listen for, not ${signal}`));
    }
  });
});
