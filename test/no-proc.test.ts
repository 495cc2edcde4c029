import { describe, expect, it } from 'vitest';
import { CLI, runCommand } from './helpers';

// A mount namespace where an empty tmpfs hides /proc (a chroot or bare namespace has none).
function withoutProc(script: string, env: Record<string, string> = {}) {
  return runCommand(['unshare', '--mount', '--pid', '--fork', 'sh', '-c', `mount -t tmpfs none /proc && ${script}`], {
    env: { TSINIT: `${process.execPath} ${CLI}`, ...env },
  });
}

describe('without /proc mounted', () => {
  it("runs the command and exits with its code, leaving leftovers to the kernel", async () => {
    const result = await withoutProc(`exec $TSINIT -- sh -c '(sleep 30 &); echo "$0 $1"; exit 3' 'a b' c`);
    expect(result).toEqual({
      code: 3,
      stdout: 'a b c\n',
      stderr: "[tsinit] sh exited; /proc is not mounted or not this PID namespace's, so leftovers are left to the kernel\n",
    });
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
