import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, startCommand, tempDir } from './helpers';

const NATIVE = path.resolve(__dirname, '../native');
const HEADERS = path.resolve(process.execPath, '../../include/node');

// What the feeding is expected to leave standing: the calls whose arguments were right.
const PLAN = 'targets: [1073741824], group: true, forwardAs: Array(65), reapOrphans: true, report: true';
const ACCEPTED = [
  'spawn(["/nonexistent"], ["x"], {newSession: undefined}): returned', // undefined is its default
  'spawn(["/nonexistent"], ["x"], {oomScoreAdj: undefined}): returned',
  'spawn(["/nonexistent"], ["x"], {environment: undefined}): returned',
  'spawn(["/nonexistent"], ["x"], {passFds: undefined}): returned',
  'spawn(["/nonexistent"], ["x"], {pidVariable: undefined}): returned',
  `armFastPath({${PLAN}, exit: undefined}): returned`, // no exit: the plan's exit is optional
  'kill(-1, 0): returned', // signal 0 to everyone: a question, not an act
  'spawn(["/nonexistent"], ["x"], {oomScoreAdj: -1}): returned',
  `armFastPath({${PLAN}, exit: {exitCodes: Array(256), signalCodes: Array(65), always: false}}): returned`,
  'releasePages(1099511627776, 0): returned', // an address: nothing there, and a length of 0
  'releasePages(1, 1099511627776): returned', // 1 TB: a size (EINVAL for the unaligned start)
  'memfdCreate("x"): returned',
  'execve("x", ["x"]): Error', // ENOENT, thrown as errno
  'execve("/nonexistent", ["x","x"]): Error',
  'spawn(["/nonexistent"], ["x","x"], {}): returned',
  'spawn(["/nonexistent"], ["x"], {pidVariable: "x"}): returned', // a name as good as any
  'listenUnix("x", 1): returned', // a relative path, in the feeder's own directory
  'spawn(["/nonexistent"], ["x"], {}): returned',
  'catchSignals([], []): returned',
  'catchSignals([28], []): returned',
  'spawn(["/nonexistent"], ["x"], []): returned', // an array is an object: no options in it
  'spawn(["/nonexistent"], ["x"], {environment: []}): returned', // no entries: environ
  'spawn(["/nonexistent"], ["x"], {passFds: []}): returned', // no fds passed
  'reapAll([]): returned', // no pid asked for
  'armFastPath({targets: [], group: true, forwardAs: Array(65), reapOrphans: true, report: true, exit: {exitCodes: Array(256), signalCodes: Array(65), always: false}}): returned',
  'spawn(["/nonexistent"], ["x"], [null,null,1]): returned',
  'spawn(["/nonexistent"], ["x"], Buffer): returned',
  'watchSignals(fn): returned',
  'reapUnowned(): returned',
];

describe('the addon, built with AddressSanitizer, fed wrong arguments', () => {
  it('throws a TypeError for each, never crashes, never leaks', async () => {
    const addon = path.join(tempDir('tsinit-asan-'), 'tsinit.node');
    const sources = readdirSync(NATIVE).filter((file) => file.endsWith('.c')).map((file) => path.join(NATIVE, file));
    execFileSync('gcc', ['-std=gnu11', '-O1', '-g', '-fsanitize=address', '-fno-omit-frame-pointer', '-fPIC', '-shared', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=tsinit', `-I${HEADERS}`, '-o', addon, ...sources]);
    const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
    const fed = startCommand([process.execPath, path.join(FIXTURES, 'feed-addon.js'), addon], { env: { LD_PRELOAD: libasan, ASAN_OPTIONS: 'detect_leaks=1' } });
    const { code } = await fed.closed;
    expect(fed.stderr()).toBe(''); // no sanitizer report
    expect(code).toBe(0);
    const lines = fed.stdout().trimEnd().split('\n');
    expect(lines.slice(-7)).toEqual(['fds left by the failures 0', 'caught ["default","default"]', 'thread 0', 'report [] signals []', 'unowned [0]', 'reaped [] nothing left true', 'done']);
    const standing = lines.filter((line) => !line.endsWith(': TypeError') && !/^(fds left|caught|thread|report|unowned|reaped|done)/.test(line));
    expect(standing.filter((line) => !line.startsWith('execve("xxxx'))).toEqual(ACCEPTED);
    expect(standing.find((line) => line.startsWith('execve("xxxx'))).toMatch(/\): Error$/); // ENAMETOOLONG, not cut at 4095
    expect(lines).toEqual(
      expect.arrayContaining([
        'kill(NaN, 0): TypeError',
        'kill(2147483648, 0): TypeError',
        'spawn(["/nonexistent"], ["x"], null): TypeError',
        'reapAll(NaN): TypeError',
        'spawn(["/nonexistent"], ["x"], {passFds: Array(65)}): TypeError', // above the cap
        'spawn(["/nonexistent"], ["x"], {passFds: [1000000]}): TypeError', // not open: said before any vfork
        'spawn(["/nonexistent"], ["x"], {passFds: [-1]}): TypeError',
        'spawn(["/nonexistent"], ["x"], {environment: ["=x"]}): TypeError',
        'spawn(["/nonexistent"], ["x"], {environment: ["x"]}): TypeError',
        'spawn(["/nonexistent"], ["x"], {pidVariable: "A=B"}): TypeError',
        'spawn(["/nonexistent"], ["x"], {pidVariable: Buffer}): TypeError',
        'listenTcp("localhost", 0, 1): TypeError',
        'listenTcp("127.0.0.1", 1.5, 1): TypeError',
        'listenTcp("127.0.0.1", 0, -1): TypeError',
        'listenUnix(Buffer, 1): TypeError',
        'listenUnix("feed.sock", NaN): TypeError',
        'pidfdOpen(-1): TypeError',
        `armFastPath({targets: Array(1025), group: true, forwardAs: Array(65), reapOrphans: true, report: true, exit: {exitCodes: Array(256), signalCodes: Array(65), always: false}}): TypeError`,
        `armFastPath({targets: [1], group: true, forwardAs: Array(65), reapOrphans: true, report: true, exit: {exitCodes: Array(256), signalCodes: Array(65), always: false}}): TypeError`,
        `armFastPath({targets: [1073741824], group: true, forwardAs: Array(64), reapOrphans: true, report: true, exit: {exitCodes: Array(256), signalCodes: Array(65), always: false}}): TypeError`,
      ]),
    );
  });
});
