import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readProcess } from '../src/platform/process-tree';
import { initPidOf, RECORDER, runInit, startInit, startRecorder, tempDir, waitFor } from './helpers';

const { SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2 } = constants.signals;

// CMD that leaves a sleeping sh behind, once it is up, then exits 4. The leftover writes `up`,
// then `TERM` when SIGTERM reaches it: the kernel's SIGKILL at PID 1's exit leaves no line.
function commandWithLeftover(): { log: string; command: string[] } {
  const log = path.join(tempDir('tsinit-leftover-'), 'leftover.log');
  const leftover = `sh -c 'trap "echo TERM >> ${log}; exit 0" TERM; echo up >> ${log}; while :; do sleep 0.05; done' &`;
  return { log, command: ['sh', '-c', `${leftover} while [ ! -s ${log} ]; do sleep 0.01; done; exit 4`] };
}

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
    const { log, command } = commandWithLeftover();
    expect(await runInit([...verbosity, '--', ...command])).toMatchObject({ code: 4 });
    expect(readFileSync(log, 'utf8')).toBe('up\nTERM\n');
  });

  it('exits at once with --grace 0, leftovers or not: PID 1 gone, the kernel kills them', async () => {
    const { log, command } = commandWithLeftover();
    expect(await runInit([...verbosity, '--grace', '0', '--', ...command])).toMatchObject({ code: 4 });
    expect(readFileSync(log, 'utf8')).toBe('up\n');
  });
});
