import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProcess } from '../src/platform/process-tree';
import { CLI, runCommand, tempDir } from './helpers';

// A mount namespace where an empty tmpfs hides /proc (a chroot or bare namespace has none); in a
// PID namespace of its own (tsinit its PID 1) or not (tsinit a subreaper).
function withoutProc(script: string, env: Record<string, string> = {}, ownPidNamespace = true) {
  const unshare = ownPidNamespace ? ['unshare', '--mount', '--pid', '--fork'] : ['unshare', '--mount'];
  return runCommand([...unshare, 'sh', '-c', `mount -t tmpfs none /proc && ${script}`], {
    env: { TSINIT: `${process.execPath} ${CLI}`, ...env },
  });
}

describe('without /proc mounted', () => {
  it('runs the command and exits with its code; as PID 1 it stops every process left, unseen', async () => {
    const result = await withoutProc(`exec $TSINIT -- sh -c '(sleep 30 &); echo "$0 $1"; exit 3' 'a b' c`);
    expect(result).toEqual({
      code: 3,
      stdout: 'a b c\n',
      stderr: "[tsinit] sh exited; /proc is not mounted or not this PID namespace's, so what is left cannot be listed: SIGTERM to every process now, SIGKILL in 5000 ms\n",
    });
  });

  it('not PID 1: --timeout still stops the command, through its process group, and leaves it not running', async () => {
    const pidFile = path.join(tempDir('tsinit-noproc-'), 'pid');
    const result = await withoutProc(`exec $TSINIT --timeout 500ms -- sh -c 'echo $$ > ${pidFile}; exec sleep 100'`, {}, false);
    expect(result.code).toBe(124);
    expect(result.stderr).toMatch(/^\[tsinit\] sh ran longer than 500 ms \(--timeout\); exiting with code 124; \/proc is not mounted .*: SIGTERM to process group \d+ now, SIGKILL in 5000 ms\n$/);
    expect(readProcess(Number(readFileSync(pidFile, 'utf8')))).toBeUndefined();
  });

  it('hands NODE_OPTIONS to the command and says it could not keep it from tsinit', async () => {
    const result = await withoutProc(`exec $TSINIT -- sh -c 'echo "$NODE_OPTIONS"'`, { NODE_OPTIONS: '--max-old-space-size=100' });
    expect(result).toEqual({
      code: 0,
      stdout: '--max-old-space-size=100\n',
      stderr: '[tsinit] NODE_OPTIONS applies to tsinit too: /proc is not mounted, so tsinit cannot restart without it\n',
    });
  });
});
