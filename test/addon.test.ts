import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, startCommand } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const HEADERS = path.resolve(process.execPath, '../../include/node');

// What the feeding is expected to leave standing: the calls whose arguments were right.
const ACCEPTED = [
  'spawn(["/nonexistent"], ["x"], {}): returned', // newSession: undefined is its default
  'kill(-1, 0): returned', // signal 0 to everyone: a question, not an act
  'forwardInHandler(1, true, [15], [-1]): returned', // -1: dropped
  'releasePages(1099511627776, 0): returned', // an address: nothing there, and a length of 0
  'releasePages(1, 1099511627776): returned', // 1 TB: a size (EINVAL for the unaligned start)
  'memfdCreate("x"): returned',
  'execve("x", ["x"]): Error', // ENOENT, thrown as errno
  'execve("/nonexistent", ["x","x"]): Error',
  'spawn(["/nonexistent"], ["x","x"], {}): returned',
  'spawn(["/nonexistent"], ["x"], {}): returned',
  'holdSignals([]): returned',
  'watchSignals([], fn): returned',
  'spawn(["/nonexistent"], ["x"], []): returned', // an array is an object: no options in it
  'reapInLoop(1, false, false, []): returned',
  'spawn(["/nonexistent"], ["x"], [null,null,1]): returned',
  'spawn(["/nonexistent"], ["x"], Buffer): returned',
  'watchSignals([28], fn): returned',
];

describe('the addon, built with AddressSanitizer, fed wrong arguments', () => {
  it('throws a TypeError for each, never crashes, never leaks', async () => {
    const addon = path.join(mkdtempSync(path.join(tmpdir(), 'tsinit-asan-')), 'tsinit.node');
    execFileSync('gcc', ['-std=gnu11', '-O1', '-g', '-fsanitize=address', '-fno-omit-frame-pointer', '-fPIC', '-shared', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=tsinit', `-I${HEADERS}`, '-o', addon, path.join(ROOT, 'native/tsinit.c')]);
    const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
    const fed = startCommand([process.execPath, path.join(FIXTURES, 'feed-addon.js'), addon], { env: { LD_PRELOAD: libasan, ASAN_OPTIONS: 'detect_leaks=1' } });
    const { code } = await fed.closed;
    expect(fed.stderr()).toBe(''); // no sanitizer report
    expect(code).toBe(0);
    const lines = fed.stdout().trimEnd().split('\n');
    expect(lines.at(-1)).toBe('done');
    expect(lines).toContain('thread 0');
    const standing = lines.filter((line) => !line.endsWith(': TypeError') && !/^(held|thread|reaped|done)/.test(line));
    expect(standing.filter((line) => !line.startsWith('execve("xxxx'))).toEqual(ACCEPTED);
    expect(standing.find((line) => line.startsWith('execve("xxxx'))).toMatch(/\): Error$/); // ENAMETOOLONG, not cut at 4095
    expect(lines).toEqual(expect.arrayContaining(['kill(NaN, 0): TypeError', 'kill(2147483648, 0): TypeError', 'spawn(["/nonexistent"], ["x"], null): TypeError', 'reapAll(NaN): TypeError']));
  });
});
