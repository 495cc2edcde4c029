import { existsSync, readlinkSync, realpathSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProcess } from '../src/platform/process-tree';
import { childrenOf, CLI, killWhenDone, RECORDER, runInit, startCommand, startInit, startRecorder, tempDir, waitFor } from './helpers';

const { SIGHUP, SIGPWR, SIGUSR1, SIGUSR2, SIGWINCH } = constants.signals;
const FORWARD_DEBUG = /forwarded/;

describe('tini compatibility', () => {
  it.each([
    [['-e', '3'], 'exit 3', 0],
    [['-e', '143', '-e', '3'], 'kill -TERM $$', 0],
    [['-e', '3'], 'exit 4', 4],
  ])('-e remaps listed exit codes to 0 (%j, %s)', async (flags, script, code) => {
    expect((await runInit([...flags, '--', 'sh', '-c', script])).code).toBe(code);
  });

  it.each([
    [['-s', '-v'], {}],
    [['-v'], { TSINIT_SUBREAPER: '1' }],
    [['-v'], { TINI_SUBREAPER: '' }],
    [['-v'], { TINI_SUBREAPER: '0' }], // tini: on when set at all
  ])('registers as child subreaper as PID 1 on request (%j %j)', async (flags, env) => {
    const result = await runInit([...flags, '--', 'true'], { env });
    expect(result.stderr).toMatch(/^\[tsinit\] PID 1: registered as child subreaper/);
  });

  it('-p has the parent-death signal sent to tsinit, which forwards it', async () => {
    const { init, pid, received, stop } = await startRecorder(['-p', 'SIGUSR2', '--', ...RECORDER]);
    try {
      process.kill(init.child.pid!, 'SIGKILL'); // unshare, tsinit's parent
      await waitFor('SIGUSR2 to reach the command', () => received().length === 1);
      expect(received()).toEqual([SIGUSR2]);
      expect(readProcess(pid)?.state).not.toBe('Z');
    } finally {
      await stop();
    }
  });

  it('-w warns about every orphan reaped', async () => {
    const init = startInit(['-w', '--', 'sh', '-c', '(true &); read line']);
    await waitFor('the orphan warning', () => /^\[tsinit\] reaped orphan \d+ \(sh\), exited with code 0\n$/.test(init.stderr()));
    init.child.stdin!.end('\n');
    expect((await init.closed).code).toBe(0);
  });

  it('-l prints the license', async () => {
    const result = await runInit(['-l']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^MIT License\n/);
  });

  it.each([
    [['-vv'], {}, true],
    [['-v'], {}, false],
    [[], { TSINIT_VERBOSITY: '3' }, true],
    [[], { TINI_VERBOSITY: '3' }, true],
    [[], { DUMB_INIT_DEBUG: '1' }, true],
    [['-v'], { TSINIT_VERBOSITY: '3' }, false],
    [[], { TSINIT_VERBOSITY: '2', TINI_VERBOSITY: '3' }, false],
    [[], { TINI_VERBOSITY: '5' }, true], // tini's atoi: more than the maximum is the maximum
    [[], { TINI_VERBOSITY: 'abc' }, false], // and text is 0, not an error
    [[], { DUMB_INIT_DEBUG: 'yes' }, false], // dumb-init: only 1 is on
  ])('verbosity from %j and %j logs forwarded signals: %s', async (flags, env, logged) => {
    const { init, received, pid } = await startRecorder([...flags, '--', ...RECORDER], { env });
    process.kill(pid, 'SIGHUP');
    await waitFor('SIGHUP to reach the command', () => received().includes(SIGHUP));
    process.kill(childrenOf(pid)[0].pid, 'SIGKILL'); // tsinit ends on its own, every line written
    expect((await init.closed).code).toBe(137);
    expect(FORWARD_DEBUG.test(init.stderr())).toBe(logged);
  });
});

describe('dumb-init compatibility', () => {
  // CMD is a recorder with a second recorder in its process group: which of them gets SIGWINCH?
  const family = ['--', 'sh', '-c', `${RECORDER.join(' ')} grandchild & exec ${RECORDER.join(' ')}`];
  const reached = async (flags: string[], env: Record<string, string> = {}) => {
    const { init, pid, received, stop } = await startRecorder([...flags, ...family], { env });
    try {
      await waitFor('the grandchild to be ready', () => init.stdout().includes('grandchild ready\n'));
      process.kill(pid, 'SIGWINCH');
      await waitFor('SIGWINCH to reach the command', () => received().includes(SIGWINCH));
      const [command] = childrenOf(pid);
      const [grandchild] = childrenOf(command.pid);
      // A marker numbered above SIGWINCH: CPython runs pending handlers in signal-number order,
      // so a forwarded SIGWINCH still pending is recorded before it.
      process.kill(grandchild.pid, 'SIGPWR');
      await waitFor('the marker to reach the grandchild', () => init.stdout().includes(`grandchild ${SIGPWR}\n`));
      return init.stdout().includes(`grandchild ${SIGWINCH}\n`) ? 'group' : 'child';
    } finally {
      await stop();
    }
  };

  it.each([
    [[], {}, 'group'],
    [['-g'], {}, 'group'],
    [['-c'], {}, 'child'],
    [['--single-child'], {}, 'child'],
    [[], { TSINIT_KILL_PROCESS_GROUP: '0' }, 'child'],
    [[], { TINI_KILL_PROCESS_GROUP: '0' }, 'group'], // tini: on when set at all
    [[], { DUMB_INIT_SETSID: '0' }, 'child'],
    [['-g'], { TSINIT_KILL_PROCESS_GROUP: 'false' }, 'group'],
  ])('%j %j signals the %s', async (flags, env, target) => {
    expect(await reached(flags, env)).toBe(target);
  });

  it.each([
    [['-r', 'USR1:USR2'], [SIGUSR1], [SIGUSR2]],
    [['--rewrite', '10:sigusr2'], [SIGUSR1], [SIGUSR2]],
    [['-r', 'SIGUSR1:0'], [SIGUSR1, SIGHUP], [SIGHUP]],
    [['-r', 'RTMIN+1:HUP', '-r', 'HUP:RTMAX'], [35, SIGHUP], [SIGHUP, 64]],
  ])('%j rewrites %j into %j', async (flags, sent, expected) => {
    const { pid, received, stop } = await startRecorder([...flags, '--', ...RECORDER]);
    try {
      for (const signal of sent) process.kill(pid, signal);
      await waitFor('the rewritten signals', () => received().length === expected.length);
      expect(received().sort()).toEqual(expected.sort()); // signals sent together may arrive in any order
    } finally {
      await stop();
    }
  });

  it.each([
    [['--setsid'], {}, true],
    [[], { DUMB_INIT_SETSID: '1' }, true],
    [[], { DUMB_INIT_SETSID: '2' }, true], // dumb-init: anything but 0
    [[], {}, false],
  ])('%j %j puts the command in a session of its own: %s', async (flags, env, own) => {
    const result = await runInit([...flags, '--', 'cat', '/proc/self/stat'], { env });
    const [pid, , , , , session] = result.stdout.replace(/\(.*\)/, 'name').split(' ');
    expect(pid === session).toBe(own);
  });
});

describe('used as a dumb-init user uses it (not PID 1: `tsinit sleep 30 &`)', () => {
  // tsinit as a plain child of the test, its command's pid and the state /proc shows for each.
  async function started(args: string[], cwd?: string) {
    const init = startCommand([process.execPath, CLI, ...args], { cwd });
    const command = await waitFor('the command', () => childrenOf(init.child.pid!).find((child) => child.name === 'sleep'));
    killWhenDone(command.pid, init.child.pid!);
    const state = (pid: number) => readProcess(pid)?.state;
    return { init, tsinit: init.child.pid!, command: command.pid, state };
  }

  it('forwards a SIGSEGV another process sends it, as any signal, instead of dying and orphaning the command', async () => {
    const { init, tsinit, command } = await started(['sleep', '30']);
    process.kill(tsinit, 'SIGSEGV');
    expect((await init.closed).code).toBe(128 + constants.signals.SIGSEGV);
    expect(readProcess(command)).toBeUndefined(); // it got the signal and was reaped
  });

  it('--setsid: a SIGTSTP stops the command (as SIGSTOP: its session ignores TSTP) and tsinit; SIGCONT resumes both', async () => {
    const { init, tsinit, command, state } = await started(['--setsid', '--', 'sleep', '30']);
    process.kill(tsinit, 'SIGTSTP');
    await waitFor('both stopped', () => state(command) === 'T' && state(tsinit) === 'T');
    process.kill(tsinit, 'SIGCONT');
    await waitFor('both running again', () => state(command) === 'S' && state(tsinit) !== 'T');
    process.kill(tsinit, 'SIGTERM');
    expect((await init.closed).code).toBe(143);
  });

  it('leaves its start directory for / once the command runs there, which keeps it', async () => {
    const dir = realpathSync(tempDir('tsinit-cwd-'));
    const { init, tsinit, command } = await started(['sleep', '30'], dir);
    await waitFor('tsinit to leave its start directory', () => readlinkSync(`/proc/${tsinit}/cwd`) === '/');
    expect(readlinkSync(`/proc/${command}/cwd`)).toBe(dir);
    process.kill(tsinit, 'SIGTERM');
    await init.closed;
  });
});

describe('bad input: one line, exit 2, the command never started', () => {
  it.each([
    [['-e', '300'], {}, 'bad exit code for -e: 300 (want 0-255)'],
    [['-e', 'x'], {}, 'bad exit code for -e: x (want 0-255)'],
    [['-p', 'SIGNOPE'], {}, 'bad signal for -p: SIGNOPE'],
    [['-r', 'TERM'], {}, 'bad rewrite for -r: TERM (want SIGNAL:SIGNAL, e.g. TERM:QUIT or 15:0)'],
    [['-r', 'TERM:99'], {}, 'bad signal for -r: 99'],
    [['-r', 'CHLD:TERM'], {}, 'bad signal for -r: CHLD (tsinit never forwards SIGCHLD)'],
    [['-r', 'KILL:TERM'], {}, 'bad signal for -r: KILL (tsinit never forwards SIGKILL)'],
    [['-r', 'STOP:TERM'], {}, 'bad signal for -r: STOP (tsinit never forwards SIGSTOP)'],
    [['--delay', 'KILL:1s'], {}, 'bad signal for --delay: KILL (tsinit never forwards SIGKILL)'],
    [[], { TSINIT_DELAY: 'TTOU:1s' }, 'bad signal for TSINIT_DELAY: TTOU (tsinit never forwards SIGTTOU)'],
    [['--grace', 'soon'], {}, 'bad duration for --grace: soon (want e.g. 500ms, 10s, 2m)'],
    [['--restart', 'on-failure:99999999999999999999'], {}, 'bad restart policy for --restart: on-failure:99999999999999999999 (want no, on-failure[:N] or always[:N])'],
    [['--kill-after', 'forever'], {}, 'bad duration for --kill-after: forever (want e.g. 500ms, 10s, 2m)'],
    [['--grace', '36000m'], {}, 'duration too long for --grace: 36000m (at most 2147483647 ms, about 24 days)'],
    [['--log-format', 'xml'], {}, 'bad log format: xml (want text or json)'],
    [['-c', '-g'], {}, '-c (signal the command alone) and -g (signal its group) contradict each other'],
    [[], { TSINIT_SUBREAPER: 'maybe' }, 'bad TSINIT_SUBREAPER=maybe (want 1, true, yes, on or 0, false, no, off)'],
    [[], { TSINIT_VERBOSITY: 'loud' }, 'bad TSINIT_VERBOSITY=loud (want 0-3)'],
    [['--workers', '0'], {}, 'bad worker count for --workers: 0 (want 1-1024 or auto)'],
    [['--workers', 'lots'], {}, 'bad worker count for --workers: lots (want 1-1024 or auto)'],
    [[], { TSINIT_WORKERS: '1025' }, 'bad worker count for TSINIT_WORKERS: 1025 (want 1-1024 or auto)'],
    [['--listen', 'tcp:localhost:80'], {}, 'bad address for --listen: tcp:localhost:80 (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
    [['--listen', 'tcp:0.0.0.0:0'], {}, 'bad port for --listen: tcp:0.0.0.0:0 (want 1-65535)'],
    [['--listen', 'my web=tcp:0.0.0.0:8080'], {}, "bad name for --listen: my web (want letters, digits, '_', '.' and '-', at most 255)"],
    [['--listen', 'tcp:[::]:8080', '--listen', 'tcp:[::0]:8080'], {}, 'same address twice for --listen: tcp:[::0]:8080 (given before as tcp:[::]:8080)'],
    [[], { TSINIT_LISTEN: 'tcp:0.0.0.0:8080,unix:' }, 'bad address for TSINIT_LISTEN: unix: (want tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)'],
  ])('%j %j', async (args, env, message) => {
    const marker = path.join(tempDir('tsinit-'), 'started');
    expect(await runInit([...args, 'touch', marker], { env })).toEqual({ code: 2, stdout: '', stderr: `[tsinit] ${message}\n` });
    expect(existsSync(marker)).toBe(false);
  });
});
