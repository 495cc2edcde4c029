import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AS_PID_1, BUILT_ADDON, initPidOf, startCommand, waitFor } from './helpers';

// The built addon (native/build.sh), loaded by small programs: catching signals in the test's
// own process would take them from vitest.
const { SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGPIPE, SIGSEGV, SIGSYS, SIGTRAP, SIGUSR2 } = constants.signals;
const FAULTS = [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS];
const REALTIME = 40; // a queued signal: each one sent arrives

// A program with the addon as `n`, `say(value)` writing one JSON line, and the fault list.
function program(body: string): string {
  return `const n = require(${JSON.stringify(BUILT_ADDON)}); const fs = require('fs'); const say = (value) => fs.writeSync(1, JSON.stringify(value) + '\\n'); const FAULTS = ${JSON.stringify(FAULTS)};\n${body}`;
}

function start(body: string, { pid1 = false, stdio = 'pipe' as 'pipe' | ('pipe' | 'ignore')[] } = {}) {
  const node = [process.execPath, '-e', program(body)];
  return startCommand(pid1 ? [...AS_PID_1.slice(0, 4), ...node] : node, { stdio });
}

// Each thread's blocked signals (SigBlk), by thread id.
function blockedSignals(pid: number): Map<number, bigint> {
  const status = (tid: string) => readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
  return new Map(readdirSync(`/proc/${pid}/task`).map((tid) => [Number(tid), BigInt(`0x${status(tid).match(/SigBlk:\s*(\w+)/)![1]}`)]));
}

// The addon's signal thread's id, 0 before it exists.
function signalThread(pid: number): number {
  return Number(readdirSync(`/proc/${pid}/task`).find((tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8') === 'tsinit-signals\n') ?? 0);
}

const FAULT_BITS = FAULTS.reduce((bits, fault) => bits | (1n << BigInt(fault - 1)), 0n);

const lines = (started: ReturnType<typeof start>) => started.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line));

describe('a fault this process raised, with the faults caught', () => {
  it('process.abort() still ends it with SIGABRT', async () => {
    const started = start(`n.catchSignals([...FAULTS, 15], FAULTS); process.abort();`);
    expect(await started.closed).toEqual({ code: null, signal: 'SIGABRT' });
  });

  it('a SIGSEGV it sends itself still ends it with SIGSEGV (through the handler Node had: V8 gives it the default action)', async () => {
    const started = start(`n.catchSignals([...FAULTS, 15], FAULTS); process.kill(process.pid, 'SIGSEGV'); say('alive');`);
    expect(await started.closed).toEqual({ code: null, signal: 'SIGSEGV' });
    expect(started.stdout()).toBe('');
  });

  it('a real SIGSEGV (a WebAssembly load out of bounds) still reaches the handler Node had, which makes it a RuntimeError', async () => {
    // (module (memory 1) (func (export "load") (param i32) (result i32) local.get 0 i32.load))
    const wasm = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 8, 1, 4, 0x6c, 0x6f, 0x61, 0x64, 0, 0, 10, 9, 1, 7, 0, 0x20, 0, 0x28, 2, 0, 0x0b];
    const started = start(`
      const { load } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(wasm)}))).exports;
      say(n.catchSignals(FAULTS, FAULTS)[0]);
      try { load(70000); } catch (error) { say(error.message); }
      say(n.takeSignals());`);
    expect(await started.closed).toEqual({ code: 0, signal: null });
    expect(lines(started)).toEqual(['handler', 'memory access out of bounds', []]);
  });
});

describe('a signal this process sent itself', () => {
  it('is not counted (SIGPIPE from its kill and from its write to a closed pipe), while the same signal from another process is', async () => {
    const started = start(
      `
      n.catchSignals([${SIGPIPE}], FAULTS);
      process.kill(process.pid, 'SIGPIPE');
      for (;;) try { fs.writeSync(3, 'x'); } catch (error) { if (error.code === 'EPIPE') break; }
      say(n.takeSignals());
      n.watchSignals(() => { say(n.takeSignals()); n.exit(0); });`,
      { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] },
    );
    started.child.stdio[3]!.destroy(); // its writes to fd 3 now fail with EPIPE, and raise SIGPIPE
    await waitFor('its own SIGPIPEs', () => started.stdout().includes('\n'));
    process.kill(started.child.pid!, 'SIGPIPE');
    expect(await started.closed).toEqual({ code: 0, signal: null });
    expect(lines(started)).toEqual([[], [SIGPIPE]]);
  });
});

describe('signals from another process', () => {
  it('counts every fault signal sent from outside and lives on; the signal thread takes the others, and blocks no fault in any thread', async () => {
    const started = start(`
      n.catchSignals([...FAULTS, ${SIGUSR2}], FAULTS);
      const taken = [];
      n.watchSignals(() => { taken.push(...n.takeSignals()); if (taken.length === FAULTS.length) say(taken.sort((a, b) => a - b)), n.exit(0); });
      say('caught');
      process.stdin.once('data', () => say(n.takeSignalsOnThread()));`);
    const pid = started.child.pid!;
    await waitFor('the signals to be caught', () => started.stdout() === '"caught"\n');
    const before = blockedSignals(pid);
    started.child.stdin!.write('thread\n');
    const after = await waitFor('the block message in every other thread', () => {
      const masks = blockedSignals(pid);
      return [...masks].every(([tid, mask]) => tid === signalThread(pid) || (mask >> BigInt(SIGUSR2 - 1)) & 1n) ? masks : undefined;
    });
    for (const [tid, mask] of before) expect({ tid, faults: mask & FAULT_BITS }).toEqual({ tid, faults: after.get(tid)! & FAULT_BITS }); // Node's own may block them from birth
    for (const signal of FAULTS) process.kill(pid, signal);
    expect(await started.closed).toEqual({ code: 0, signal: null });
    expect(lines(started).slice(1)).toEqual([0, [...FAULTS].sort((a, b) => a - b)]);
  });

  it('are held until taken, each as often as it came, ascending by signal; the watch wakes JS once for them, with no arguments', async () => {
    const started = start(`
      n.catchSignals([${SIGUSR2}, ${REALTIME}], []);
      say('caught');
      process.stdin.once('data', () => n.watchSignals((...args) => { say([args.length, n.takeSignals()]); n.exit(0); }));`);
    await waitFor('the signals to be caught', () => started.stdout() === '"caught"\n');
    for (const signal of [REALTIME, REALTIME, SIGUSR2, REALTIME]) process.kill(started.child.pid!, signal);
    started.child.stdin!.end('watch\n');
    expect(await started.closed).toEqual({ code: 0, signal: null });
    expect(lines(started)[1]).toEqual([0, [SIGUSR2, REALTIME, REALTIME, REALTIME]]);
  });

  it('unwatchSignals gives back the actions from before: Node ignores SIGPIPE and handles SIGSEGV', async () => {
    const started = start(`
      const dispositions = () => [${SIGPIPE}, ${SIGSEGV}, ${SIGUSR2}].map(n.signalDisposition);
      say(dispositions());
      n.catchSignals([${SIGPIPE}, ${SIGSEGV}, ${SIGUSR2}], FAULTS);
      n.watchSignals(() => {});
      say(dispositions());
      n.unwatchSignals();
      say(dispositions());`);
    expect(await started.closed).toEqual({ code: 0, signal: null }); // the watch's handle is closed: the loop ends
    expect(lines(started)).toEqual([
      ['ignore', 'handler', 'default'],
      ['handler', 'handler', 'handler'],
      ['ignore', 'handler', 'default'],
    ]);
  });

  it('as PID 1 too: an external SIGSEGV is counted', async () => {
    const started = start(
      `
      n.catchSignals(FAULTS, FAULTS);
      n.watchSignals(() => { say(n.takeSignals()); n.exit(0); });
      say(process.pid);`,
      { pid1: true },
    );
    const init = await initPidOf(started);
    await waitFor('PID 1 to catch', () => started.stdout() === '1\n');
    process.kill(init, 'SIGSEGV');
    expect(await started.closed).toEqual({ code: 0, signal: null });
    expect(lines(started)).toEqual([1, [SIGSEGV]]);
  });
});
