import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInit, tempDir } from './helpers';

describe('exit status of tsinit as PID 1', () => {
  it.each([0, 1, 3, 255])('passes exit code %i through', async (code) => {
    const result = await runInit(['--', 'sh', '-c', `exit ${code}`]);
    expect(result.code).toBe(code);
    expect(result.stderr).toBe('');
  });

  it.each([
    ['TERM', 143],
    ['KILL', 137],
  ])('exits 128+n when SIG%s kills the command', async (signal, code) => {
    expect((await runInit(['--', 'sh', '-c', `kill -${signal} $$`])).code).toBe(code);
  });

  it("exits 127 for an empty command name, as execvp, tini and dumb-init do (no PATH directory is run)", async () => {
    expect(await runInit(['--', ''])).toEqual({ code: 127, stdout: '', stderr: "[tsinit] '': command not found (ENOENT)\n" });
  });

  it('exits 127 naming a command that does not exist', async () => {
    const result = await runInit(['--', 'no-such-command-anywhere', 'arg']);
    expect(result.code).toBe(127);
    expect(result.stderr).toBe('[tsinit] no-such-command-anywhere: command not found (ENOENT)\n');
  });

  it('exits 126 naming a command that is not executable', async () => {
    const file = path.join(tempDir('tsinit-'), 'not-executable');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    const result = await runInit(['--', file]);
    expect(result.code).toBe(126);
    expect(result.stderr).toBe(`[tsinit] ${file}: cannot execute (EACCES)\n`);
  });

  it('runs an executable script without a shebang with /bin/sh, as execvp does', async () => {
    const file = path.join(tempDir('tsinit-'), 'no-shebang');
    writeFileSync(file, 'echo "run by sh with $1"\nexit 4\n');
    chmodSync(file, 0o755);
    const result = await runInit(['--', file, 'an argument']);
    expect(result).toEqual({ code: 4, stdout: 'run by sh with an argument\n', stderr: '' });
  });

  it('exits with the command status while a grandchild is still running', async () => {
    const result = await runInit(['--', 'sh', '-c', 'sleep 1000 & exit 5']);
    expect(result.code).toBe(5);
  });
});
