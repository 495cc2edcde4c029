import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_ADDON, FIXTURES, startCommand, tempDir } from './helpers';

// The built addon (native/build.sh), in a Node program that is PID 1 of its own namespace, as an
// app loaded with register is: its orphans come to it.
const NATIVE = path.resolve(__dirname, '../native');
const HEADERS = path.resolve(process.execPath, '../../include/node');

// Runs the fixture in `mode` as PID 1 and returns the one JSON line it prints.
async function asPid1(mode: string, { addon = BUILT_ADDON, arg = [] as string[] } = {}) {
  const started = startCommand(['unshare', '--pid', '--fork', '--mount-proc', process.execPath, path.join(FIXTURES, 'unowned-pid1.js'), addon, mode, ...arg]);
  expect({ ...(await started.closed), stderr: started.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  return JSON.parse(started.stdout());
}

describe('reapUnowned, in a Node app that is PID 1', () => {
  // (a) (b) (d). Fails: without the ownership check (or with the uv_walk missing a handle) the
  // statuses in `wrong` are lost, as the control below shows; a reaper that leaves orphans (one
  // that reaps nothing, say) leaves `orphans` short and `zombies` not empty.
  it('reaps double-forked orphans while spawn, exec, execFile, fork and cluster.fork keep every exit event and code, leaving no zombie', async () => {
    const result = await asPid1('mixed');
    expect(result).toMatchObject({ wrong: [], statuses: 153, stolen: 0, orphans: { exit: 100, sleep: 20 }, other: [], zombies: [] });
    expect(result.calls).toBeGreaterThan(result.statuses); // the tight loop ran while they did
  });

  // The control: the same run with reapAll (waitpid on whatever exited, no ownership check) as
  // the reaper loses exit events, so the assertions above can fail.
  it('control: reapAll in its place takes child_process statuses, whose exit events never fire', async () => {
    const result = await asPid1('steal');
    expect(result.stolen).toBeGreaterThan(0);
    expect(result.wrong.length).toBe(result.stolen);
    expect(result.wrong.every((entry: { got?: number }) => entry.got === undefined)).toBe(true);
  });

  // (c). Fails: without the ownership check the first call reaps the owned zombie, whose exit
  // event never comes ('no exit event'); the unowned one behind it must wait for the next call.
  it('is blocked by a libuv-owned zombie at the head of the queue, reaping nothing, and reaps behind it once libuv has taken its own', async () => {
    const result = await asPid1('blocked');
    expect(result).toEqual({
      owned: expect.any(Number),
      unowned: result.unowned,
      first: { reaped: [], blocked: true },
      exitCode: 3,
      then: { reaped: [{ pid: result.unowned, exitCode: 4, signal: null, name: 'sh' }], blocked: false },
      zombies: [],
    });
  });

  // The bound, with the addon built with UNOWNED_MAX 16 (4096 orphans take a minute to make on a
  // slow VM). Fails: unbounded, the first call reaps all 20 and says blocked: false.
  it('reaps at most its bound per call and then says blocked, so that JS comes back', async () => {
    const addon = path.join(tempDir('tsinit-unowned-'), 'tsinit.node');
    const sources = readdirSync(NATIVE).filter((file) => file.endsWith('.c')).map((file) => path.join(NATIVE, file));
    execFileSync('cc', ['-std=gnu11', '-O2', '-fPIC', '-shared', '-DUNOWNED_MAX=16', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=tsinit', `-I${HEADERS}`, '-o', addon, ...sources]);
    expect(await asPid1('bound', { addon, arg: ['20'] })).toEqual({
      status: 0,
      first: { reaped: 16, blocked: true, codes: [9] },
      second: { reaped: 4, blocked: false, codes: [9] },
      zombies: [],
    });
  });
});
