import { mkdtempSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readProcess } from '../src/process-tree';
import { initPidOf, namespaceProcesses, RECORDER, runInit, startInit, startRecorder, waitFor } from './helpers';

const { SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2 } = constants.signals;

// At the default verbosity the addon's handler forwards and reaps orphans, and CMD's end
// exits with no JS between; at -vv every forward and reap is an event, so JS does it all.
describe.each([
  ["the addon's fast path", []],
  ['JS (-vv)', ['-vv']],
])('through %s', (_, verbosity) => {
  it('applies a rewrite and a drop, in the order the signals came', async () => {
    const { pid, received, stop } = await startRecorder([...verbosity, '-r', 'TERM:USR1', '-r', 'HUP:0', '--', ...RECORDER]);
    try {
      process.kill(pid, SIGTERM);
      await waitFor('SIGTERM, as SIGUSR1', () => received().length === 1);
      process.kill(pid, SIGINT);
      await waitFor('SIGINT', () => received().length === 2);
      process.kill(pid, SIGHUP); // dropped
      process.kill(pid, SIGUSR2); // a marker: a forwarded SIGHUP would come first
      await waitFor('the marker', () => received().includes(SIGUSR2));
      expect(received()).toEqual([SIGUSR1, SIGINT, SIGUSR2]);
    } finally {
      await stop();
    }
  });

  it("exits with CMD's code while signals keep coming as CMD exits", async () => {
    for (let run = 0; run < 5; run++) {
      const init = startInit([...verbosity, '--', 'sh', '-c', 'trap "" USR1; i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; exit 5']);
      const pid = await initPidOf(init);
      let running = true;
      void init.closed.then(() => (running = false));
      while (running && readProcess(pid)?.name === 'tsinit') {
        process.kill(pid, SIGUSR1);
        await nextTurn();
      }
      expect((await init.closed).code).toBe(5);
    }
  });

  it('exits at once when CMD leaves nothing behind, and stops leftovers first when it does', async () => {
    expect(await runInit([...verbosity, '--', 'sh', '-c', 'exit 3'])).toMatchObject({ code: 3 });
    const log = path.join(mkdtempSync(path.join(tmpdir(), 'tsinit-fast-exit-')), 'leftover.log');
    // The leftover says when SIGTERM reaches it: the kernel's SIGKILL at PID 1's exit would not.
    const leftover = `sh -c 'trap "echo TERM >> ${log}; exit 0" TERM; echo up >> ${log}; while :; do sleep 0.05; done' &`;
    const untilUp = `while [ ! -s ${log} ]; do sleep 0.01; done`;
    expect(await runInit([...verbosity, '--', 'sh', '-c', `${leftover} ${untilUp}; exit 4`])).toMatchObject({ code: 4 });
    expect(readFileSync(log, 'utf8')).toBe('up\nTERM\n');
  });

  it('exits at once with --grace 0, leftovers or not: PID 1 gone, the kernel kills them', async () => {
    const log = path.join(mkdtempSync(path.join(tmpdir(), 'tsinit-grace-0-')), 'leftover.log');
    const leftover = `sh -c 'trap "echo TERM >> ${log}; exit 0" TERM; echo up >> ${log}; while :; do sleep 0.05; done' &`;
    const untilUp = `while [ ! -s ${log} ]; do sleep 0.01; done`;
    expect(await runInit([...verbosity, '--grace', '0', '--', 'sh', '-c', `${leftover} ${untilUp}; exit 4`])).toMatchObject({ code: 4 });
    expect(readFileSync(log, 'utf8')).toBe('up\n');
  });
});

describe('an orphan storm', () => {
  // CMD double-forks 300 orphans that exit at once, says so, and waits for a line.
  const storm = 'i=0; while [ $i -lt 300 ]; do (true &); i=$((i+1)); done; echo spawned; read line; exit 3';

  it.each([
    ['reaped in the signal handler, unreported', []],
    ['each reap warned (-w), in JS', ['-w']],
  ])('leaves no zombie: %s', async (_, flags) => {
    const init = startInit([...flags, '--', 'sh', '-c', storm]);
    const pid = await initPidOf(init);
    await waitFor('the orphans to be spawned', () => init.stdout() === 'spawned\n');
    await waitFor('only tsinit and the command to be left', () => {
      const left = namespaceProcesses(pid);
      return left.length === 2 && left.every((info) => info.state !== 'Z');
    });
    init.child.stdin!.end('\n');
    expect((await init.closed).code).toBe(3);
    const warnings = init.stderr().match(/\[tsinit\] reaped orphan \d+ \(sh\), exited with code 0\n/g)?.length ?? 0;
    expect(warnings).toBe(flags.length ? 300 : 0);
  });
});
