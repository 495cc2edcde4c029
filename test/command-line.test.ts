import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { inShell, runInit, tempDir } from './helpers';
const SHOW_ARGUMENT = `python3 -c 'import os, sys; print(os.fsencode(sys.argv[1]))'`;

describe('command line', () => {
  it('stops parsing options at the first non-option, without --', async () => {
    const result = await runInit(['echo', '-v', '--help']);
    expect(result).toMatchObject({ code: 0, stdout: '-v --help\n', stderr: '' });
  });

  it('takes a command named true after a flag as the command', async () => {
    expect(await runInit(['-g', 'true'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it.each(['--version', '-V'])("prints its version for %s on stdout as tini words it, with the commit it was built from (Docker parses it)", async (flag) => {
    const commit = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(await runInit([flag])).toMatchObject({ code: 0, stdout: `tsinit version ${version} - git.${commit}\n`, stderr: '' });
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

  it.each(['-v', '--verbose'])('logs the lifecycle at %s', async (flag) => {
    const result = await runInit([flag, '--', 'sh', '-c', 'exit 4']);
    expect(result.stderr).toMatch(/^\[tsinit\] spawned sh -c exit 4 as pid \d+\n\[tsinit\] sh \(pid \d+\) exited with code 4\n\[tsinit\] exiting with code 4\n$/);
  });

  it.each([
    [['--timeout', '0'], {}],
    [['--timeout=0ms'], {}],
    [[], { TSINIT_TIMEOUT: '0' }],
  ])('%j %j is no timeout, as coreutils timeout 0: the command runs to its own end', async (flags, env) => {
    expect(await runInit([...flags, '--', 'sh', '-c', 'sleep 0.3; exit 3'], { env })).toEqual({ code: 3, stdout: '', stderr: '' });
  });

  it('writes what came from outside with its control characters escaped: no line of its can be forged', async () => {
    const result = await runInit(['--', 'nope\n[tsinit] sh exited with code 0\x1b[2K']);
    expect(result).toEqual({ code: 127, stdout: '', stderr: '[tsinit] nope\\n[tsinit] sh exited with code 0\\x1b[2K: command not found (ENOENT)\n' });
  });

  it('passes arguments that are not UTF-8 byte for byte, as tini does', async () => {
    expect(await inShell(`exec $TSINIT -- ${SHOW_ARGUMENT} "$(printf '\\377\\376A')"`)).toBe("b'\\xff\\xfeA'\n");
  });

  it('and across its restart without NODE_OPTIONS', async () => {
    const output = await inShell(`exec $TSINIT -- ${SHOW_ARGUMENT} "$(printf '\\377\\376A')"`, { NODE_OPTIONS: '--max-old-space-size=100' });
    expect(output).toBe("b'\\xff\\xfeA'\n");
  });

  it('finds a command whose name and PATH entry are not UTF-8', async () => {
    const root = tempDir('tsinit-');
    const dir = Buffer.concat([Buffer.from(`${root}/bin`), Buffer.from([0xff])]);
    const file = Buffer.concat([dir, Buffer.from('/cmd'), Buffer.from([0xfe])]);
    mkdirSync(dir);
    writeFileSync(file, '#!/bin/sh\necho found\n');
    chmodSync(file, 0o755);
    const output = await inShell(`PATH="$(printf '${root}/bin\\377'):$PATH" exec $TSINIT -- "$(printf 'cmd\\376')"`);
    expect(output).toBe('found\n');
  });
});
