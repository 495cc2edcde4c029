import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AS_PID_1, asUser1000, childrenOf, FIXTURES, initPidOf, killWhenDone, parseStatus, RECORDER, runCommand, SETPRIV_1000, socketsOf, startCommand, startRecorder, tempDir, waitFor } from './helpers';

const { SIGTERM, SIGUSR1 } = constants.signals;

// Every catchable signal but SIGCHLD and the terminal's TTIN/TTOU, by name (the fault signals
// too, when another process sends them, as dumb-init forwards them), then glibc's real-time range.
const NAMED = [
  ...['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM'],
  ...['SIGSTKFLT', 'SIGCONT', 'SIGTSTP', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS'],
] as const;
const REALTIME = Array.from({ length: 31 }, (_, i) => 34 + i);
const FORWARDED = [...NAMED.map((name) => constants.signals[name]), ...REALTIME];

describe('signal forwarding by tsinit as PID 1', () => {
  it('forwards every catchable signal but SIGCHLD, fault and real-time ones included', async () => {
    const { pid, received, stop } = await startRecorder();
    try {
      for (const [index, signal] of FORWARDED.entries()) {
        process.kill(pid, signal);
        await waitFor(`signal ${signal} to reach the command`, () => received().length === index + 1);
        expect(received()[index]).toBe(signal);
      }
      process.kill(pid, 'SIGCHLD');
      process.kill(pid, 'SIGUSR2');
      await waitFor('SIGUSR2 to reach the command', () => received().length > FORWARDED.length);
      expect(received().slice(FORWARDED.length)).toEqual([constants.signals.SIGUSR2]);
    } finally {
      await stop();
    }
  });

  it('ignores SIGTTIN and SIGTTOU itself, as tini does: they are not forwarded', async () => {
    const { pid, received, stop } = await startRecorder();
    try {
      const bit = (mask: string | undefined, signal: number) => ((BigInt(`0x${mask}`) >> BigInt(signal - 1)) & 1n) === 1n;
      const status = parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
      for (const signal of [constants.signals.SIGTTIN, constants.signals.SIGTTOU]) {
        expect(bit(status.get('SigIgn'), signal)).toBe(true);
        process.kill(pid, signal);
      }
      process.kill(pid, 'SIGUSR2'); // a marker: anything forwarded before it arrives first
      await waitFor('the marker', () => received().length > 0);
      expect(received()).toEqual([constants.signals.SIGUSR2]);
    } finally {
      await stop();
    }
  });

  it("forwards to the command's whole process group", async () => {
    const { pid, received, stop } = await startRecorder(['--', 'sh', '-c', `${RECORDER.join(' ')} & wait`]);
    try {
      process.kill(pid, 'SIGWINCH'); // sh ignores it; its child, in the same group, records it
      await waitFor('SIGWINCH to reach the grandchild', () => received().length === 1);
      expect(received()).toEqual([constants.signals.SIGWINCH]);
    } finally {
      await stop();
    }
  });

  it('forwards SIGUSR1 and never opens the Node inspector', async () => {
    const { init, pid, received, stop } = await startRecorder();
    try {
      for (let count = 1; count <= 5; count++) {
        process.kill(pid, 'SIGUSR1');
        await waitFor('SIGUSR1 to reach the command', () => received().length === count);
      }
      expect(received()).toEqual(Array(5).fill(constants.signals.SIGUSR1));
      expect(socketsOf(pid)).toEqual([]);
      expect(init.stderr()).toBe('');
    } finally {
      await stop();
    }
  });

  it('forwards every one of 10,000 queued real-time signals, as tini does', async () => {
    const counter = path.join(tempDir('tsinit-'), 'count-signal');
    execFileSync('cc', ['-O2', '-o', counter, path.join(FIXTURES, 'count-signal.c')]);
    const signal = 36; // SIGRTMIN+2 with glibc
    const { init, pid, stop } = await startRecorder(['--', counter, String(signal)]);
    try {
      for (let i = 0; i < 10_000; i++) process.kill(pid, signal);
      await waitFor('10,000 signals to reach the command', () => init.stdout().split('\n').includes('10000'), 30_000);
    } finally {
      await stop();
    }
  });

  it('keeps forwarding while signals arrive faster than it handles them', async () => {
    const { pid, received, stop } = await startRecorder();
    try {
      for (let i = 0; i < 100; i++) {
        process.kill(pid, 'SIGUSR2');
        if (i % 10 === 0) await nextTurn();
      }
      // Standard signals coalesce while pending, so not every one arrives; some must, and the
      // forwarding must go on: a SIGHUP after the burst arrives once, and nothing else does.
      await waitFor('a burst of SIGUSR2 to reach the command', () => received().length > 0);
      process.kill(pid, 'SIGHUP');
      await waitFor('SIGHUP after the burst', () => received().includes(constants.signals.SIGHUP));
      const usr2 = received().filter((signal) => signal === constants.signals.SIGUSR2).length;
      expect(usr2).toBeGreaterThan(0);
      expect(usr2).toBeLessThanOrEqual(100);
      expect(received().filter((signal) => signal !== constants.signals.SIGUSR2)).toEqual([constants.signals.SIGHUP]);
    } finally {
      await stop();
    }
  });

  it("never forwards a SIGPIPE tsinit's own log write raised: a closed log pipe changes nothing", async () => {
    const init = [...AS_PID_1].map((word) => `'${word}'`).join(' ');
    const script = `${init} -v -- sh -c 'sleep 1; exit 0' 2>&1 | true; echo "\${PIPESTATUS[0]}"`;
    const result = await runCommand(['bash', '-c', script]);
    expect(result.stdout).toBe('0\n'); // tini: 0; before, 141: its own SIGPIPE killed the command
  });

  it('forwards what comes while the tree is stopped to a command that still runs, a second SIGTERM too', async () => {
    // --timeout sends the tree SIGTERM, which the recorder records and survives.
    const { init, pid, received, stop } = await startRecorder(['--timeout', '2s', '--grace', '1m', '--', ...RECORDER]);
    try {
      await waitFor('the timeout', () => received().includes(SIGTERM));
      process.kill(pid, 'SIGUSR1');
      await waitFor('SIGUSR1 during the grace', () => received().includes(SIGUSR1));
      process.kill(pid, 'SIGTERM');
      await waitFor('a second SIGTERM during the grace', () => received().filter((signal) => signal === SIGTERM).length === 2);
      expect(init.stderr()).toMatch(/^\[tsinit\] \S+ ran longer than 2000 ms \(--timeout\); exiting with code 124; still running: /);
    } finally {
      await stop();
    }
  });
});

describe('a forward the kernel refuses (EPERM: the command became root, tsinit did not)', () => {
  it.each([['-v'], ['-vv']])('is one warning at %s and changes nothing else', async (verbosity) => {
    const { dir, cli, addon, becomeRoot } = asUser1000();
    const command = [...AS_PID_1.slice(0, 4), ...SETPRIV_1000, process.execPath, cli, verbosity, '--', becomeRoot, 'sleep', '30'];
    const init = startCommand(command, { env: { TSINIT_NATIVE_LIBRARY_PATH: addon }, cwd: dir });
    const pid = await initPidOf(init);
    killWhenDone(pid);
    const sleep = await waitFor('the root sleep', () => childrenOf(pid).find((child) => child.name === 'sleep'));
    process.kill(pid, 'SIGUSR1');
    await waitFor('the warning', () => init.stderr().includes('cannot forward SIGUSR1'));
    process.kill(sleep.pid, 'SIGKILL'); // root may
    expect((await init.closed).code).toBe(137);
    expect(init.stderr().match(/\[tsinit\] cannot forward SIGUSR1 to \S+: EPERM\n/g)).toHaveLength(1);
    expect(init.stderr()).not.toMatch(/internal error/);
  });
});
