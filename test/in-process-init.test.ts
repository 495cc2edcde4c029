import { describe, expect, it } from 'vitest';
import type { Log, LogLevel } from '../src/platform/log';
import { endingSignalVerdict, InProcessInit } from '../src/register/in-process-init';
import { FakeNative } from './fake-native';
import { SIGKILL, SIGTERM } from './supervisor-harness';

// tsinit-pid1/register's decisions on the fake kernel, in-process: which children are reaped
// (libuv's are not), what an ending signal does with and without the app's listener, the exit's
// stop. What only the kernel and libuv show is tested as PID 1 (register.test.ts).

const ended = (exitCode: number | null, signal: number | null = null) => ({ exitCode, signal });

function startInit({ appListeners = 0, graceMs = 100 } = {}) {
  const native = new FakeNative(1);
  const lines: { level: LogLevel; event: string; message: string }[] = [];
  const log: Log = Object.assign((level: LogLevel, event: string, message: string) => void lines.push({ level, event, message }), { wants: () => true });
  const timers: { ms: number; fire: () => void; cancelled: boolean }[] = [];
  const exits: number[] = [];
  const host = {
    appListeners: () => appListeners,
    exit: (code: number) => void exits.push(code),
    after: (ms: number, fire: () => void) => {
      const timer = { ms, fire, cancelled: false };
      timers.push(timer);
      return () => void (timer.cancelled = true);
    },
    sleep: () => {},
    signalName: (signal: number) => (signal === SIGTERM ? 'SIGTERM' : signal === SIGKILL ? 'SIGKILL' : `signal ${signal}`),
  };
  const init = new InProcessInit(native, native.table, log, graceMs, host, 1);
  const child = (name: string) => {
    const spawned = native.spawn([Buffer.from(name)], [Buffer.from(name)], { newSession: false, foreground: false });
    return native.processes.get((spawned as { pid: number }).pid)!;
  };
  const fireTimers = () => timers.filter((timer) => !timer.cancelled).forEach((timer) => timer.fire());
  init.start();
  return { native, init, lines, exits, child, fireTimers, timers };
}

describe('the decision on an ending signal', () => {
  it.each([
    [0, false, 'stop the tree'],
    [1, false, 'the app decides'],
    [0, true, 'already stopping'],
    [2, true, 'already stopping'],
  ] as const)('%i listeners of the app, stopping %s: %s', (listeners, stopping, verdict) => {
    expect(endingSignalVerdict(listeners, stopping)).toBe(verdict);
  });
});

describe('reaping beside libuv', () => {
  it("reaps what ended before it started, then leaves each SIGCHLD's pass to the addon, heard only when logged", () => {
    const { native, init, child, lines } = startInit();
    const early = child('early');
    native.end(early.pid, ended(0));
    init.start();
    expect(lines.map((line) => line.message)).toEqual([`reaped orphan ${early.pid} (early), exited with code 0`]);
    expect(native.orphanWatch?.report).toBe(true); // this test's log wants debug lines
    const orphan = child('orphan');
    const owned = child('node-child');
    native.owned.add(owned.pid);
    native.end(orphan.pid, ended(2));
    native.end(owned.pid, ended(3));
    native.orphanPass();
    expect(native.alive().map((p) => p.pid)).toEqual([owned.pid]); // child_process's, for libuv
    expect(lines.at(-1)?.message).toBe(`reaped orphan ${orphan.pid} (orphan), exited with code 2`);
  });
});

describe('an ending signal, the app PID 1', () => {
  it("with no listener of the app's: SIGTERM to its children, then the exit with 128+n once they are gone", () => {
    const { native, init, child, exits } = startInit();
    const worker = child('worker');
    init.onSignal(SIGTERM);
    expect(worker.received).toEqual([SIGTERM]);
    expect(exits).toEqual([]);
    native.orphanPass();
    expect(exits).toEqual([128 + SIGTERM]);
    expect(native.alive()).toEqual([]);
  });

  it('a child that ignores SIGTERM gets SIGKILL after the grace', () => {
    const { native, init, child, exits, fireTimers, timers } = startInit({ graceMs: 300 });
    const stubborn = child('stubborn');
    stubborn.ignores.add(SIGTERM);
    init.onSignal(SIGTERM);
    init.onSignal(SIGTERM); // a second one while stopping changes nothing
    expect(timers.map((timer) => timer.ms)).toEqual([300]);
    fireTimers();
    native.orphanPass();
    expect([stubborn.received, exits, native.alive()]).toEqual([[SIGTERM, SIGKILL], [128 + SIGTERM], []]);
  });

  it('with no children: the exit at once', () => {
    const { init, exits } = startInit();
    init.onSignal(SIGTERM);
    expect(exits).toEqual([128 + SIGTERM]);
  });

  it('with a listener of the app: nothing is signalled, nothing ends', () => {
    const { init, child, exits, timers } = startInit({ appListeners: 1 });
    const worker = child('worker');
    init.onSignal(SIGTERM);
    expect([worker.received, exits, timers]).toEqual([[], [], []]);
  });
});

describe("the app's exit", () => {
  it('what the app left gets SIGTERM, the grace, then SIGKILL, all reaped before the exit', () => {
    const { native, init, child } = startInit({ graceMs: 50 });
    const polite = child('polite');
    const stubborn = child('stubborn');
    stubborn.ignores.add(SIGTERM);
    native.owned.add(polite.pid); // child_process's: libuv waits for nothing now
    init.atExit();
    expect([polite.received, stubborn.received, native.alive()]).toEqual([[SIGTERM], [SIGTERM, SIGKILL], []]);
  });

  it('cancels a stop under way', () => {
    const { native, init, child, timers } = startInit();
    const stubborn = child('stubborn');
    stubborn.ignores.add(SIGTERM);
    init.onSignal(SIGTERM);
    init.atExit();
    expect([timers[0].cancelled, native.alive()]).toEqual([true, []]);
  });
});
