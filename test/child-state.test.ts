import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AS_PID_1, FIXTURES, parseStatus, runInit, startCommand, tempDir, type StartOptions } from './helpers';

const DIRTY = ['python3', path.join(FIXTURES, 'exec-with-state.py')];
const O_NONBLOCK = 0o4000;

const signalMasks = (status: string) => {
  const fields = parseStatus(status);
  return { SigBlk: fields.get('SigBlk'), SigIgn: fields.get('SigIgn') };
};
const CLEAN = { SigBlk: '0000000000000000', SigIgn: '0000000000000000' };
const fdFlags = (fdinfo: string) => parseInt(/^flags:\s*(\d+)/m.exec(fdinfo)![1], 8);

async function output(command: string[], options?: StartOptions): Promise<string> {
  const started = startCommand(command, options);
  const { code } = await started.closed;
  expect(code, started.stderr()).toBe(0);
  return started.stdout();
}

describe('the state CMD starts in', () => {
  it('has no signal blocked or ignored', async () => {
    const result = await runInit(['--', 'cat', '/proc/self/status']);
    expect(signalMasks(result.stdout)).toEqual(CLEAN);
  });

  it('has no signal blocked or ignored even when tsinit inherited some', async () => {
    const dirty = [...DIRTY, '--ignore', '2,3,10,13,40', '--block', '1,15,45', '--'];
    const control = signalMasks(await output([...dirty, 'cat', '/proc/self/status']));
    expect(control.SigBlk).not.toBe(CLEAN.SigBlk);
    expect(control.SigIgn).not.toBe(CLEAN.SigIgn);
    expect(signalMasks(await output([...dirty, ...AS_PID_1, '--', 'cat', '/proc/self/status']))).toEqual(CLEAN);
  });

  it('writes to a blocking stdout pipe, even one handed to tsinit non-blocking', async () => {
    const pipeline = (command: string[]) => ['sh', '-c', `${[...DIRTY, '--nonblocking-stdout', '--', ...command].join(' ')} | cat`];
    const control = await output(pipeline(['cat', '/proc/self/fdinfo/1']));
    expect(fdFlags(control) & O_NONBLOCK).toBe(O_NONBLOCK);
    expect(fdFlags(await output(pipeline([...AS_PID_1, '--', 'cat', '/proc/self/fdinfo/1']))) & O_NONBLOCK).toBe(0);
  });

  it('writes to a blocking stdout file, even one handed to tsinit non-blocking', async () => {
    const file = path.join(tempDir('tsinit-'), 'stdout');
    const fd = openSync(file, 'w');
    try {
      await output([...DIRTY, '--nonblocking-stdout', '--', ...AS_PID_1, '--', 'cat', '/proc/self/fdinfo/1'], { stdio: ['ignore', fd, 'pipe'] });
    } finally {
      closeSync(fd);
    }
    expect(fdFlags(readFileSync(file, 'utf8')) & O_NONBLOCK).toBe(0);
  });
});
