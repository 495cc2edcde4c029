import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AS_PID_1, FIXTURES, initPidOf, killWhenDone, startCommand, tempDir } from './helpers';

// tsinit-pid1/register under load: the app is PID 1 itself (`node -r dist/register.js app.js` in
// a new PID namespace) and reaps thousands of adopted orphans while child_process, cluster and
// worker threads wait for their own children's statuses; not one of those may be taken.

const REGISTER = path.resolve(__dirname, '../dist/register.js');
const APP = path.join(FIXTURES, 'register-stress.js');

// What the app prints at its end (see test/fixtures/register-stress.js).
interface Report {
  timedOut: boolean;
  pending: { api: string; pid: number }[];
  wrong: unknown[];
  counts: { started: number; exit: number; close: number; checks: number };
  orphans: number;
  zombies: [string, string][];
  left: Record<string, string>;
  ms: number;
}

// The bench helper's orphan storm, built as `orphan-storm`: the name its orphans have in the log.
function orphanStorm(): string {
  const helper = path.join(tempDir('tsinit-'), 'orphan-storm');
  execFileSync('cc', ['-O2', '-o', helper, path.resolve(__dirname, '../bench/helper.c')]);
  return helper;
}

describe('node -r tsinit-pid1/register as PID 1, under load', () => {
  it('every child_process API, cluster and worker threads get every status and event right while thousands of orphans are reaped; no zombie after', async () => {
    const app = startCommand([...AS_PID_1.slice(0, 5), '-r', REGISTER, APP], { env: { HELPER: orphanStorm(), TSINIT_VERBOSITY: '3' } });
    killWhenDone(await initPidOf(app));
    // The app gives up after 60 s and says so; a process.exit that a worker thread blocks never ends.
    const ended = await Promise.race([app.closed, delay(90_000).then(() => 'hung' as const)]);
    const lines = app.stdout().trim().split('\n');
    const report: Report = JSON.parse(lines.at(-1) || '{}');
    const log = app.stderr().split('\n');

    // Registered once: in the main thread, not again in each worker thread (which -r preloads too).
    expect(log.filter((line) => line.includes('PID 1: reaping orphans'))).toHaveLength(1);
    expect({ ended, timedOut: report.timedOut, pending: report.pending, wrong: report.wrong }).toEqual({
      ended: { code: 0, signal: null },
      timedOut: false,
      pending: [],
      wrong: [],
    });
    // One `exit` and one `close` per child started (each compared with its code as it came).
    const { started, exit, close, checks } = report.counts;
    expect({ exit, close }).toEqual({ exit: started, close: started });
    expect(started).toBeGreaterThan(500);
    expect(checks).toBeGreaterThan(1500);
    // Every orphan reaped by register, one log line each; any other `reaped orphan` line is a stolen status.
    const reaped = log.filter((line) => line.includes('reaped orphan'));
    expect(reaped.filter((line) => !/^\[tsinit\] reaped orphan \d+ \(orphan-storm\), exited with code 0$/.test(line))).toEqual([]);
    expect(report.orphans).toBeGreaterThanOrEqual(2000);
    expect(reaped).toHaveLength(report.orphans);
    // Nothing left in the namespace at the app's end: no zombie, no process.
    expect({ zombies: report.zombies, left: report.left }).toEqual({ zombies: [], left: {} });
  }, 120_000);
});
