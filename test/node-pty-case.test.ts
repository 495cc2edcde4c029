import { execFileSync } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_ADDON, FIXTURES, startCommand, tempDir } from './helpers';

const { ECHILD } = constants.errno;

// node_api.h where native/build.sh finds it: NODE_HEADERS, else Node's own headers.
const NODE_HEADERS = process.env.NODE_HEADERS ?? path.resolve(process.execPath, '../../include/node');

// The tiny addon of the node-pty case (test/fixtures/pty-case-addon.c), built here.
function buildPtyCaseAddon(): string {
  const addon = path.join(tempDir('tsinit-pty-case-'), 'pty-case.node');
  execFileSync('cc', ['-std=gnu11', '-O2', '-Wall', '-Werror', '-fPIC', '-shared', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=pty_case', `-I${NODE_HEADERS}`, '-o', addon, path.join(FIXTURES, 'pty-case-addon.c')]);
  return addon;
}

async function asPid1(ptyAddon: string, mode: 'reaper' | 'none') {
  const started = startCommand(['unshare', '--pid', '--fork', '--mount-proc', process.execPath, path.join(FIXTURES, 'pty-case-pid1.js'), BUILT_ADDON, ptyAddon, mode]);
  expect({ ...(await started.closed), stderr: started.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  return JSON.parse(started.stdout());
}

// The record of reapUnowned's known limit (issue 22). An addon that forks on the main thread
// outside libuv and reaps its child later with waitpid(pid, WNOHANG), as node-pty does, has no
// process handle for uv_walk to find: to reapUnowned its child is an orphan, reaped on the
// SIGCHLD, so the addon's own waitpid later gets ECHILD and the status is lost to it (reapUnowned
// reports it, to tsinit only). Nothing in-process can tell such a child from an orphan. The README
// tells users: apps with such addons run tsinit as the CLI (`tsinit -- node app.js`), which owns
// none of the app's children.
describe('the node-pty case: an addon that forks on the main thread and reaps later with WNOHANG', () => {
  it('loses its child status to reapUnowned as PID 1: its waitpid gets ECHILD (the known limit)', async () => {
    const ptyAddon = buildPtyCaseAddon();
    const lost = await asPid1(ptyAddon, 'reaper');
    expect(lost.later).toEqual({ ret: -1, errno: ECHILD, exitCode: null });
    expect(lost.reaped).toEqual([{ pid: lost.pid, exitCode: 5, signal: null, name: 'node' }]);
    // The control: with no reaper, the same addon gets its child's status.
    const kept = await asPid1(ptyAddon, 'none');
    expect(kept.later).toEqual({ ret: kept.pid, errno: 0, exitCode: 5 });
    expect(kept.reaped).toEqual([]);
  });
});
