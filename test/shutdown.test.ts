import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AS_PID_1, asUser1000, FIXTURES, initPidOf, namespaceProcesses, SETPRIV_1000, startCommand, startInit, tempDir, waitFor } from './helpers';

const LEFTOVER = `sh ${path.join(FIXTURES, 'leftover.sh')}`;

// CMD starts a daemon (setsid -f: a new session, re-parented to tsinit), waits for a line, exits 6.
async function leaveDaemon(mode: string, flags: string[] = ['-v']) {
  const init = startInit([...flags, '--', 'sh', '-c', `setsid -f ${LEFTOVER} ${mode}; read line; exit 6`]);
  await waitFor('the daemon to be ready', () => init.stdout().includes('leftover ready\n'));
  const pid = await initPidOf(init);
  const daemon = namespaceProcesses(pid).find((info) => info.name === 'sh' && info.session === info.pid)!;
  expect(daemon.ppid).toBe(pid); // adopted by tsinit
  init.child.stdin!.end('\n');
  const { code } = await init.closed;
  return { code, stderr: init.stderr(), daemon: daemon.pid };
}

describe('when the command exits, tsinit stops what it left running', () => {
  it('stops a double-forked setsid daemon with SIGTERM, then exits with the command status', async () => {
    const { code, stderr } = await leaveDaemon('polite');
    expect(code).toBe(6);
    expect(stderr).toMatch(/\[tsinit\] sh exited; still running: \d+ \(sh\).*; SIGTERM now, SIGKILL in 5000 ms\n/);
    expect(stderr).toMatch(/\[tsinit\] leftover \d+ \(sh\) exited with code 0\n/);
    expect(stderr).not.toMatch(/SIGKILL to/);
  });

  it('SIGKILLs a leftover that ignores SIGTERM once the grace is over', async () => {
    const { code, stderr } = await leaveDaemon('stubborn', ['-v', '--grace', '300ms']);
    expect(code).toBe(6);
    expect(stderr).toMatch(/\[tsinit\] grace of 300 ms over; SIGKILL to \d+ \(sh\)/);
    expect(stderr).toMatch(/\[tsinit\] leftover \d+ \(sh\) killed by SIGKILL\n/);
  });

  it('gives a leftover that traps SIGTERM the time to write its data whole; --grace 0 does not', async () => {
    const dir = tempDir('tsinit-');
    const graceful = path.join(dir, 'graceful');
    expect((await leaveDaemon(`flush ${graceful}`)).code).toBe(6);
    const lines = readFileSync(graceful, 'utf8').split('\n');
    expect(lines.length).toBe(100_002);
    expect(lines.at(-2)).toBe('end');

    const abrupt = path.join(dir, 'abrupt');
    expect((await leaveDaemon(`flush ${abrupt}`, ['--grace', '0'])).code).toBe(6);
    expect(existsSync(abrupt)).toBe(false); // as with tini: the kernel killed it with the namespace
  });
});

describe('leftovers tsinit may not signal', () => {
  it('stops the others all the same, and exits after the grace instead of waiting', async () => {
    // tsinit runs as uid 1000; a setuid helper leaves a root `sleep` it gets EPERM for, first
    // in pid order, then a plain `sleep` it can stop.
    const { cli, addon, becomeRoot } = asUser1000();
    const command = [...AS_PID_1.slice(0, 4), ...SETPRIV_1000, process.execPath, cli, '-v', '--grace', '300ms', '--', 'sh', '-c', `${becomeRoot} sleep 30 & sleep 30 & sleep 0.2; exit 4`];
    const init = startCommand(command, { env: { TSINIT_NATIVE_LIBRARY_PATH: addon } });
    expect((await init.closed).code, init.stderr()).toBe(4);
    const stderr = init.stderr();
    expect(stderr).toMatch(/\[tsinit\] cannot signal leftover \d+ \(sleep\): EPERM\n/);
    expect(stderr).toMatch(/\[tsinit\] leftover \d+ \(sleep\) killed by SIGTERM\n/);
    expect(stderr).toMatch(/\[tsinit\] cannot signal \d+ \(sleep\): exiting without waiting for them\n/);
    expect(stderr).not.toMatch(/internal error/);
  });
});

describe('--kill-after', () => {
  it('SIGKILLs the command group when SIGTERM did not stop it in time', async () => {
    const init = startInit(['--kill-after', '200ms', '--', ...LEFTOVER.split(' '), 'stubborn']);
    await waitFor('the command to be ready', () => init.stdout().includes('leftover ready\n'));
    process.kill(await initPidOf(init), 'SIGTERM');
    expect((await init.closed).code).toBe(137);
    expect(init.stderr()).toMatch(/^\[tsinit\] sh still running 200 ms after SIGTERM\/SIGINT: SIGKILL to group \d+\n$/);
  });
});
