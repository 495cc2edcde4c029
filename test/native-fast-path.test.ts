import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonForAnyUser, AS_PID_1, BUILT_ADDON, FIXTURES, initPidOf, namespaceProcesses, startCommand, waitFor } from './helpers';

// The built addon (native/build.sh), loaded by small programs that arm its fast path.
const { SIGCHLD, SIGHUP, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH } = constants.signals;
// The recorder (prints "TAG ready", then "TAG n" for each signal n) under the real interpreter, not a shim.
const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
const RECORD = `${PYTHON} ${path.join(FIXTURES, 'record-signals.py')}`;

// A program with the addon as `n`, `say(value)` writing one JSON line, `spawn(shell command)`,
// `table(entries, fill)` for the plan's tables and `plan(fields)`, a plan with nothing forwarded.
function program(body: string, addon: string): string {
  return `const n = require(${JSON.stringify(addon)}); const fs = require('fs');
    const say = (value) => fs.writeSync(1, JSON.stringify(value) + '\\n');
    const spawn = (command) => n.spawn(['/bin/sh'], ['sh', '-c', command], { newSession: false, foreground: false }).pid;
    const table = (length, entries, fill = 0) => Array.from({ length }, (_, i) => entries[i] ?? fill);
    const plan = (fields) => ({ targets: [], group: true, forwardAs: table(65, {}), reapOrphans: true, report: false, ...fields });
    ${body}`;
}

function start(body: string, { pid1 = false, asNobody = false } = {}) {
  const node = [process.execPath, '-e', program(body, asNobody ? addonForAnyUser() : BUILT_ADDON)];
  const user = asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  return startCommand([...(pid1 ? AS_PID_1.slice(0, 4) : []), ...user, ...node]);
}

// The program's JSON lines, and the recorders' "TAG n" lines as counts per tag and signal.
const said = (started: ReturnType<typeof start>) => started.stdout().split('\n').filter((line) => /^[[{"\d]/.test(line)).map((line) => JSON.parse(line));
function recorded(started: ReturnType<typeof start>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [, tag, what] of started.stdout().matchAll(/^(\w+) (\w+)$/gm)) counts[`${tag} ${what}`] = (counts[`${tag} ${what}`] ?? 0) + 1;
  return counts;
}

describe("the addon's fast path", () => {
  it('forwards to every target as forwardAs says (each group, or each alone), counts each arrival it takes, drops included, and wakes JS only for what is left to it', async () => {
    const started = start(`
      n.catchSignals([${SIGHUP}, ${SIGUSR1}, ${SIGWINCH}], []);
      n.watchSignals(() => say({ report: n.takeFastPathReport(), signals: n.takeSignals() }));
      const a = spawn('${RECORD} member & exec ${RECORD} A'), b = spawn('exec ${RECORD} B');
      say([a, b]);
      process.stdin.on('data', (line) => {
        const { targets, group, report } = JSON.parse(line);
        n.armFastPath(plan({ targets, group, report, forwardAs: table(65, { ${SIGUSR1}: ${SIGUSR2}, ${SIGHUP}: -1 }) }));
        say('armed');
      });`);
    const pid = started.child.pid!;
    const [a, b] = await waitFor('the targets', () => said(started)[0]);
    // One signal per process and step: the recorder's Python merges two of one signal that come together.
    const step = async (plan: object, expected: Record<string, number>) => {
      const before = said(started).length;
      started.child.stdin!.write(`${JSON.stringify(plan)}\n`);
      await waitFor('the plan', () => said(started).length > before);
      process.kill(pid, SIGUSR1); // forwarded as SIGUSR2
      const arrived = () => Object.entries(expected).every(([tag, count]) => recorded(started)[`${tag} ${SIGUSR2}`] === count);
      await waitFor(`the forwards with ${JSON.stringify(plan)}`, arrived);
    };
    const members = () => {
      try {
        return readFileSync(`/proc/${a}/task/${a}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
      } catch {
        return []; // A has ended
      }
    };
    try {
      await waitFor('the recorders', () => ['A', 'member', 'B'].every((tag) => recorded(started)[`${tag} ready`]));
      const [member] = members(); // in A's group, leading none
      await step({ targets: [a, b], group: true, report: false }, { A: 1, member: 1, B: 1 }); // member: in A's group
      await step({ targets: [member], group: true, report: false }, { A: 1, member: 2, B: 1 }); // no group of its own: alone
      process.kill(pid, SIGHUP); // dropped
      process.kill(pid, SIGWINCH); // for JS: the first wake
      await waitFor('the wake', () => said(started).length === 4);
      const reported = (signal: number, forwarded: number) => ({ signal, forwarded, failed: 0, errno: 0 });
      expect(said(started)[3]).toEqual({ report: [reported(SIGHUP, 1), reported(SIGUSR1, 2)], signals: [SIGWINCH] }); // per arrival, not per target
      await step({ targets: [a, b], group: false, report: true }, { A: 2, member: 2, B: 2 }); // each alone; reported: a wake
      await waitFor('the reported forwards', () => said(started).length === 6);
      expect(said(started)[5]).toEqual({ report: [reported(SIGUSR1, 1)], signals: [] });
    } finally {
      const inGroup = members(); // read before A ends; and ended first, they would send A a SIGCHLD to record
      for (const target of [a, b, ...inGroup]) process.kill(target, 'SIGKILL'); // they hold the program's stdout open
      started.child.kill('SIGKILL');
      await started.closed;
    }
    expect(recorded(started)).toEqual({ 'A ready': 1, 'member ready': 1, 'B ready': 1, [`A ${SIGUSR2}`]: 2, [`member ${SIGUSR2}`]: 2, [`B ${SIGUSR2}`]: 2 }); // no SIGHUP
  });

  it('counts a failed forward with its errno and wakes JS for it, with report off', async () => {
    const target = startCommand(['sleep', '1000']); // root's: nobody may not signal it
    try {
      const started = start(
        `
        n.catchSignals([${SIGUSR1}], []);
        n.watchSignals(() => { say(n.takeFastPathReport()); n.exit(0); });
        n.armFastPath(plan({ targets: [${target.child.pid}], group: false, forwardAs: table(65, { ${SIGUSR1}: ${SIGUSR1} }) }));
        say('armed');`,
        { asNobody: true },
      );
      await waitFor('the plan', () => said(started).length === 1);
      process.kill(started.child.pid!, SIGUSR1);
      expect(await started.closed).toEqual({ code: 0, signal: null });
      expect(said(started)[1]).toEqual([{ signal: SIGUSR1, forwarded: 1, failed: 1, errno: constants.errno.EPERM }]);
    } finally {
      target.child.kill('SIGKILL');
    }
  });
});

describe("the addon's fast path as PID 1", () => {
  it('reaps orphans with no JS call; a target that ends wakes JS once, SIGCHLD counted, its status and name in reapAll', async () => {
    const started = start(
      `
      n.catchSignals([${SIGCHLD}], []);
      n.watchSignals(() => { say({ signals: n.takeSignals(), reaped: n.reapAll() }); n.exit(0); });
      const target = spawn('for i in 1 2 3 4 5 6 7 8 9 10; do (sleep 0.0$i &); done; echo orphans; read line; exit 3');
      n.armFastPath(plan({ targets: [target] }));
      say(target);`,
      { pid1: true },
    );
    const init = await initPidOf(started);
    const target = await waitFor('the target', () => said(started)[0]);
    await waitFor('the orphans', () => started.stdout().includes('orphans\n'));
    await waitFor('the orphans to be reaped', () => namespaceProcesses(init).length === 2 && namespaceProcesses(init).every(({ state }) => state !== 'Z'));
    expect(said(started)).toEqual([target]); // no wake
    started.child.stdin!.end('go\n');
    expect(await started.closed).toEqual({ code: 0, signal: null });
    expect(said(started)).toEqual([target, { signals: [SIGCHLD], reaped: [{ pid: target, exitCode: 3, signal: null, name: 'sh' }] }]);
  });

  it.each([
    { command: 'exit 3', code: 42 },
    { command: 'kill -TERM $$', code: 143 },
    { command: 'sleep 1000 & exit 3', code: 7, woken: true }, // a process left: JS hears of the end
  ])('ends the process when a target ends, with exit armed: `$command` -> $code', async ({ command, code, woken }) => {
    const started = start(
      `
      n.catchSignals([${SIGCHLD}], []);
      n.watchSignals(() => { say(n.reapAll().map(({ exitCode }) => exitCode)); n.exit(7); });
      const target = spawn(${JSON.stringify(command)});
      const exit = { exitCodes: table(256, { 3: 42 }), signalCodes: table(65, { ${SIGTERM}: 143 }), always: false };
      n.armFastPath(plan({ targets: [target], exit }));`,
      { pid1: true },
    );
    expect(await started.closed).toEqual({ code, signal: null });
    expect(said(started)).toEqual(woken ? [[3]] : []);
  });

  it("reports a child that ended between its spawn and the next plan: spawn stops orphan reaping until then", async () => {
    const started = start(
      `
      n.catchSignals([${SIGCHLD}], []);
      n.armFastPath(plan({ targets: [spawn('read line')] }));
      const quick = spawn('exit 5');
      n.watchSignals(() => { const reaped = n.reapAll([quick]); if (reaped.length) say(reaped), n.exit(0); });`,
      { pid1: true },
    );
    expect(await started.closed).toEqual({ code: 0, signal: null });
    expect(said(started)).toEqual([[{ pid: expect.any(Number), exitCode: 5, signal: null }]]);
  });
});
