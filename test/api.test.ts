import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type RunOptions } from '../src/index';
import { AS_PID_1, runCommand, runInit } from './helpers';

const INDEX = path.resolve(__dirname, '../dist/index.js');

// A Node program using the built API, run as PID 1; `code` is what it exits with.
function runProgram(program: string) {
  return runCommand([...AS_PID_1.slice(0, 4), process.execPath, '-e', `const { run } = require(${JSON.stringify(INDEX)});\n${program}`]);
}

describe('run() leaves the host process as it found it', () => {
  it('after a failed exec: no self-signalling, no early SIGCHLD crash, listeners and handlers gone', async () => {
    const program = `
      const status = () => require('fs').readFileSync('/proc/self/status', 'utf8').match(/^Sig(Cgt|Ign):.*$/gm).join(' ');
      const before = status();
      const init = run({ command: ['no-such-command-anywhere'] });
      process.kill(process.pid, 'SIGWINCH'); // forwarded to nobody: CMD never ran
      process.kill(process.pid, 'SIGCHLD');
      init.exited.then((code) => {
        console.log(JSON.stringify({ code, same: status() === before, listeners: process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection') }));
      });`;
    const result = await runProgram(program);
    expect(result.stderr).toBe('[tsinit] no-such-command-anywhere: command not found (ENOENT)\n');
    expect(JSON.parse(result.stdout)).toEqual({ code: 127, same: true, listeners: 0 });
    expect(result.code).toBe(0); // nothing left to keep it alive: the watchers are stopped
  });

  it('after a normal run too, and a second run() may follow; two at once may not', async () => {
    const program = `
      (async () => {
        const first = run({ command: ['sh', '-c', 'exit 3'] });
        let refused;
        try { run({ command: ['true'] }); } catch (error) { refused = error.message; }
        const codes = [await first.exited, await run({ command: ['sh', '-c', 'kill -TERM $$'] }).exited];
        console.log(JSON.stringify({ codes, refused, listeners: process.listenerCount('uncaughtException') }));
      })();`;
    const result = await runProgram(program);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ codes: [3, 143], refused: 'run: an init is already running in this process; await its `exited` first', listeners: 0 });
    expect(result.code).toBe(0);
  });
});

describe('run() options', () => {
  it.each<[Partial<RunOptions>, string]>([
    [{ graceMs: Number.NaN }, 'graceMs must be a number of milliseconds from 0 to 2147483647 (about 24 days, what a timer holds), not NaN'],
    [{ graceMs: -1 }, 'graceMs must be a number of milliseconds from 0 to 2147483647 (about 24 days, what a timer holds), not -1'],
    [{ killAfterMs: 2 ** 31 }, 'killAfterMs must be a number of milliseconds from 0 to 2147483647 (about 24 days, what a timer holds), not 2147483648'],
    [{ successCodes: [300] }, 'successCodes must be exit codes from 0 to 255, not 300'],
    [{ successCodes: 3 as never }, 'successCodes must be an array of exit codes'],
    [{ verbosity: 4 }, 'verbosity must be an integer from 0 to 3'],
    [{ logFormat: 'xml' as never }, "logFormat must be 'text' or 'json'"],
    [{ singleChild: 'yes' as never }, 'singleChild must be a boolean, not yes'],
    [{ rewrite: { SIGTERM: 'SIGNOPE' } }, 'rewrite must be a signal name or number, not SIGNOPE'],
    [{ parentDeathSignal: 99 }, 'parentDeathSignal must be a signal name or number, not 99'],
    [{ command: [] }, 'command must be a non-empty array of strings'],
    [{ command: ['a\0b'] }, 'command must not contain NUL bytes'],
  ])('rejects %j with a TypeError naming the field', (options, message) => {
    expect(() => run({ command: ['true'], ...options })).toThrow(new TypeError(`run: ${message}`));
  });
});

describe('the CLI as a drop-in', () => {
  it('names an exec failure by its errno', async () => {
    const result = await runInit(['--', '/']);
    expect(result).toEqual({ code: 126, stdout: '', stderr: '[tsinit] /: cannot execute (EACCES)\n' });
  });
});

describe('run() and the restart policy', () => {
  it('emits `restart` with the attempt, the delay and how the command ended', async () => {
    const program = `
      const init = run({ command: ['sh', '-c', 'exit 4'], restart: 'on-failure:1' });
      const restarts = [];
      init.on('restart', (event) => restarts.push(event));
      init.exited.then((code) => console.log(JSON.stringify({ code, restarts })));`;
    const result = await runProgram(program);
    expect(JSON.parse(result.stdout)).toEqual({ code: 4, restarts: [{ attempt: 1, delayMs: 100, exitCode: 4, signal: null }] });
    expect(result.stderr).toBe('[tsinit] sh exited with code 4; restart 1 of 1 in 100 ms\n');
  });
});
