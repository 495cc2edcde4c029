import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BUILT_ADDON, startCommand } from './helpers';

// The built addon (native/build.sh), in a program of its own: its reapAll would take vitest's children.
const { EACCES, ENOENT } = constants.errno;

async function run(body: string): Promise<unknown[]> {
  const started = startCommand([process.execPath, '-e', `const n = require(${JSON.stringify(BUILT_ADDON)}); const out = []; ${body}; console.log(JSON.stringify(out));`]);
  expect({ ...(await started.closed), stderr: started.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  return JSON.parse(started.stdout());
}

describe('the syscalls', () => {
  it('pidfd: a handle on a child that answers false once it has ended and been reaped, -1 for no process, a code for a wrong fd', async () => {
    const out = await run(`
      const { pid } = n.spawn(['/bin/sh'], ['sh', '-c', 'read line'], { newSession: false, foreground: false });
      const fd = n.pidfdOpen(pid);
      out.push(fd > 2, n.pidfdSendSignal(fd, 0), n.nothingLeft());
      n.pidfdSendSignal(fd, 9);
      while (n.reapAll([pid]).length === 0);
      out.push(n.pidfdSendSignal(fd, 0), n.pidfdOpen(pid), n.nothingLeft());
      try { n.pidfdSendSignal(1, 0); } catch (error) { out.push(error.code); }`);
    expect(out).toEqual([true, true, false, false, -1, true, 'EBADF']);
  });

  it('spawn: an empty command path is ENOENT, as execvp says, never EACCES; a directory is EACCES', async () => {
    const out = await run(`
      const spawn = (paths) => n.spawn(paths.map((p) => Buffer.from(p)), ['x'], {}).errno;
      out.push(spawn(['']), spawn(['', '/nonexistent']), spawn(['/nonexistent', '/etc']), spawn(['', '/etc']));`);
    expect(out).toEqual([ENOENT, ENOENT, EACCES, EACCES]);
  });
});
