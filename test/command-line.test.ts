import { describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { runInit } from './helpers';

describe('command line', () => {
  it('stops parsing options at the first non-option, without --', async () => {
    const result = await runInit(['echo', '-v', '--help']);
    expect(result).toMatchObject({ code: 0, stdout: '-v --help\n', stderr: '' });
  });

  it('takes a command named true after a flag as the command', async () => {
    expect(await runInit(['-g', 'true'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('prints its version on stdout', async () => {
    expect(await runInit(['--version'])).toMatchObject({ code: 0, stdout: `tsinit version ${version}\n`, stderr: '' });
  });

  it('prints usage for -h', async () => {
    const result = await runInit(['-h']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tsinit \[OPTIONS\] \[--\] COMMAND/);
  });

  it.each([
    [['-x', '--', 'true'], 'unknown option -x'],
    [['--frobnicate', 'true'], 'unknown option --frobnicate'],
    [[], 'missing command: tsinit [OPTIONS] -- COMMAND [ARG...]'],
    [['-v', '--'], 'missing command: tsinit [OPTIONS] -- COMMAND [ARG...]'],
  ])('rejects %j with one line and exit code 2', async (args, message) => {
    expect(await runInit(args)).toEqual({ code: 2, stdout: '', stderr: `[tsinit] ${message}\n` });
  });

  it('logs the lifecycle at -v', async () => {
    const result = await runInit(['-v', '--', 'sh', '-c', 'exit 4']);
    expect(result.stderr).toMatch(/^\[tsinit\] spawned sh -c exit 4 as pid \d+\n\[tsinit\] sh \(pid \d+\) exited with code 4\n\[tsinit\] exiting with code 4\n$/);
  });
});
