import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type RunOptions } from '../src/index';
import { AS_PID_1, childrenOf, initPidOf, killWhenDone, RECORDER, runCommand, runInit, startCommand, tempDir, waitFor, type StartOptions } from './helpers';

const INDEX = path.resolve(__dirname, '../dist/index.js');

// A Node program using the built API, run as PID 1.
function programCommand(program: string) {
  return [...AS_PID_1.slice(0, 4), process.execPath, '-e', `const { run } = require(${JSON.stringify(INDEX)});\n${program}`];
}

// The program run to its end; `code` is what it exits with.
function runProgram(program: string) {
  return runCommand(programCommand(program));
}

// The program started, with its output collected.
function startProgram(program: string, options?: StartOptions) {
  return startCommand(programCommand(program), options);
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
    expect(JSON.parse(result.stdout)).toEqual({ code: 4, restarts: [{ taskId: 0, pid: expect.any(Number), attempt: 1, delayMs: 100, exitCode: 4, signal: null }] });
    expect(result.stderr).toBe('[tsinit] sh exited with code 4; restart 1 of 1 in 100 ms\n');
  });
});

describe('run() with workers and listen', () => {
  it("starts the pool with its sockets, names each worker's events by task id, and closes the sockets at the end", async () => {
    const socketPath = path.join(tempDir('tsinit-api-'), 'app.sock');
    const program = `
      const fs = require('fs');
      const sockets = () => fs.readdirSync('/proc/self/fd').filter((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd).startsWith('socket:'); } catch { return false; } }).length;
      const before = sockets();
      const init = run({ command: ['sh', '-c', 'echo "$TSINIT_TASK_ID $TSINIT_WORKERS $LISTEN_FDS $LISTEN_FDNAMES"; exit $TSINIT_TASK_ID'], workers: 2, restart: 'no', listen: ['app=unix:${socketPath}'] });
      const spawned = [], ended = [];
      init.on('spawn', ({ taskId }) => spawned.push(taskId));
      init.on('reap', ({ taskId, exitCode }) => ended.push([taskId, exitCode]));
      init.exited.then((code) => console.error(JSON.stringify({ code, spawned, ended: ended.sort(), open: sockets() - before })));`;
    const result = await runProgram(program);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual(['0 2 1 app', '1 2 1 app']);
    expect(JSON.parse(result.stderr)).toEqual({ code: 1, spawned: [0, 1], ended: [[0, 0], [1, 1]], open: 0 });
  });
});

describe('run() and its listeners', () => {
  it('a listener attached at any time hears every later event, and listeners change nothing in how signals go', async () => {
    const program = `
      const init = run({ command: ${JSON.stringify(RECORDER)} });
      setTimeout(() => {
        init.on('signal', (event) => console.log(JSON.stringify(event)));
        console.log('listening');
      }, 200);
      init.exited.then((code) => process.exit(code));`;
    const host = startProgram(program);
    killWhenDone(await initPidOf(host));
    await waitFor('the listener and the command', () => /(?=[^]*^listening$)(?=[^]*^ready$)/m.test(host.stdout()));
    process.kill(await initPidOf(host), 'SIGUSR2');
    await waitFor('the event, and the signal at the command', () => host.stdout().includes('"received":"SIGUSR2"') && host.stdout().includes('\n12\n'));
    expect(JSON.parse(host.stdout().split('\n').find((line) => line.startsWith('{'))!)).toMatchObject({ received: 'SIGUSR2', signal: 'SIGUSR2' });
    process.kill(childrenOf(await initPidOf(host))[0].pid, 'SIGKILL'); // the recorder survives any other
    expect((await host.closed).code).toBe(137);
  });

  it("never forwards the SIGPIPE of the host's own write to a closed stdout", async () => {
    const dir = tempDir('tsinit-api-');
    const [log, written] = ['log', 'written'].map((name) => path.join(dir, name));
    // The command records what reaches its group: a SIGPIPE (its sleep dies of it, sh traps it),
    // then the marker SIGWINCH the test sends once the host has written, which ends it.
    const script = `trap 'echo PIPE >> ${log}' PIPE; trap 'echo WINCH >> ${log}; exit 0' WINCH; echo up >> ${log}; while :; do sleep 0.02; done`;
    const program = `
      const fs = require('fs');
      const init = run({ command: ['sh', '-c', ${JSON.stringify(script)}] });
      const poll = setInterval(() => {
        if (!fs.existsSync(${JSON.stringify(log)})) return;
        clearInterval(poll);
        try { fs.writeSync(1, 'into a pipe nobody reads\\n'); } catch (error) { fs.writeFileSync(${JSON.stringify(written)}, error.code); }
      }, 10);
      init.exited.then((code) => process.exit(code));`;
    const host = startProgram(program);
    host.child.stdout!.destroy(); // no reader left: the host's write fails with EPIPE and raises SIGPIPE
    const pid = await initPidOf(host);
    killWhenDone(pid);
    await waitFor('the write', () => existsSync(written));
    process.kill(pid, 'SIGWINCH'); // forwarded after any SIGPIPE would have been
    expect((await host.closed).code).toBe(0);
    expect(readFileSync(written, 'utf8')).toBe('EPIPE');
    expect(readFileSync(log, 'utf8')).toBe('up\nWINCH\n');
  });

  it("a host's own signal listener, added while run() supervises, takes no signal from the command and has it back after", async () => {
    const program = `
      let ended = false;
      const init = run({ command: ${JSON.stringify(RECORDER)} });
      setTimeout(() => {
        process.on('SIGUSR2', () => {
          console.log('host heard SIGUSR2');
          if (ended) process.exit(0);
        });
        console.log('listening');
      }, 200);
      init.exited.then((code) => {
        ended = true;
        console.log('exited', code);
        process.kill(process.pid, 'SIGUSR2'); // its own listener's again: libuv's handler is back
        setTimeout(() => process.exit(3), 30_000); // the loop lives on until the listener runs
      });`;
    const host = startProgram(program);
    const pid = await initPidOf(host);
    killWhenDone(pid);
    await waitFor('the listener and the command', () => /(?=[^]*^listening$)(?=[^]*^ready$)/m.test(host.stdout()));
    process.kill(pid, 'SIGUSR2');
    await waitFor('SIGUSR2 at the command', () => host.stdout().includes('\n12\n'));
    process.kill(childrenOf(pid)[0].pid, 'SIGKILL');
    expect((await host.closed).code).toBe(0);
    const lines = host.stdout().split('\n');
    expect(lines.filter((line) => line === 'host heard SIGUSR2')).toHaveLength(1);
    expect(lines.indexOf('host heard SIGUSR2')).toBeGreaterThan(lines.indexOf('exited 137'));
  });
});
