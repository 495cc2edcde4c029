import { execFileSync } from 'node:child_process';
import { readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProcess } from '../src/platform/process-tree';
import { AS_PID_1, childrenOf, FIXTURES, initPidOf, killWhenDone, makeCgroup, runCommand, runInit, startInit, tempDir, waitFor } from './helpers';

// --workers and --listen with real processes, tsinit as PID 1: task ids, the cgroup's CPUs, the
// one budget, and real HTTP servers on the socket tsinit holds while their workers are SIGKILLed.

const scratch = () => tempDir('tsinit-pool-');
// One write per worker: their lines share a pipe.
const PYTHON_ENV = 'import os; e = os.environ; os.write(1, f"{e[\'TSINIT_TASK_ID\']} {e[\'TSINIT_WORKERS\']} {os.getpid() == os.getpgrp()}\\n".encode())';

// A port nobody listens on now, below the kernel's ephemeral range (32768 up), where a port
// given back could be anyone's next pick.
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const server = net.createServer().listen(port, '127.0.0.1');
    const free = await new Promise((resolve) => server.once('listening', () => resolve(true)).once('error', () => resolve(false)));
    if (free) return new Promise((resolve) => server.close(() => resolve(port)));
  }
}

interface Answer {
  task: string;
  pid: number;
  listenPid: number;
  names: string;
}

// One request on a connection of its own; any failure (refused, reset, no answer in 5 s) throws.
function ask(where: { port: number } | { socketPath: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', ...where, path: '/', agent: false, timeout: 5000 }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(JSON.parse(body) as Answer));
    });
    request.on('timeout', () => request.destroy(new Error('no answer in 5 s')));
    request.on('error', reject);
  });
}

describe('--workers', () => {
  it('runs N workers, each with TSINIT_TASK_ID 0..N-1 and TSINIT_WORKERS N, each in its own process group', async () => {
    const result = await runInit(['--workers', '3', '--', 'python3', '-c', PYTHON_ENV]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual(['0 3 True', '1 3 True', '2 3 True']);
  });

  it('auto: as many as the CPU quota of the cgroup it runs in (cgroup v1 150000/100000: 2), said at -v', async () => {
    const cgroup = makeCgroup('cpu', `tsinit-pool-${process.pid}`);
    try {
      if (cgroup.version === 1) writeFileSync(path.join(cgroup.dir, 'cpu.cfs_quota_us'), '150000');
      else writeFileSync(path.join(cgroup.dir, 'cpu.max'), '150000 100000');
      const result = await runCommand([...cgroup.enter, ...AS_PID_1, '-v', '--workers', 'auto', '--', 'sh', '-c', 'echo $TSINIT_WORKERS']);
      const workers = Math.min(2, availableParallelism()); // never more than the CPUs it may run on
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${workers}\n`.repeat(workers));
      expect(result.stderr).toMatch(new RegExp(`^\\[tsinit\\] ${workers} workers \\(.*cgroup v[12] cpu[^)]*150000[^)]*100000\\)$`, 'm'));
    } finally {
      rmdirSync(cgroup.dir);
    }
  });

  it('auto without a quota: the CPUs this process may use', async () => {
    const result = await runInit(['-v', '--workers', 'auto', '--', 'sh', '-c', 'if [ "$TSINIT_TASK_ID" = 0 ]; then echo $TSINIT_WORKERS; fi']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${availableParallelism()}\n`);
  });

  it("draws every restart from one budget: --workers 2 --restart on-failure:3 of 'exit 4' runs 5 times and exits 4", async () => {
    // Counted as spawned: the last restart may come due just before the budget-spending failure,
    // and the SIGTERM that ends the pool may reach it before its first line.
    const result = await runInit(['-v', '--workers', '2', '--restart', 'on-failure:3', '--', 'sh', '-c', 'exit 4']);
    expect(result.code).toBe(4);
    expect(result.stderr.match(/^\[tsinit\] spawned sh -c exit 4 as pid \d+ \(task [01]\)$/gm)).toHaveLength(5);
    expect(result.stderr).toMatch(/\[tsinit\] sh \(task [01], pid \d+\) exited with code 4: too many child restarts \(3 made\); stopping the others\n/);
  });

  it('stops on SIGTERM as docker stop does: no restart after it, 143, nothing left running', async () => {
    const init = startInit(['--workers', '2', '--', 'sleep', '60']);
    const pid = await initPidOf(init);
    killWhenDone(pid);
    const workers = await waitFor('both workers', () => (childrenOf(pid).length === 2 ? childrenOf(pid) : undefined));
    process.kill(pid, 'SIGTERM');
    expect((await init.closed).code).toBe(143);
    expect(workers.map((worker) => readProcess(worker.pid))).toEqual([undefined, undefined]);
  });
});

describe('--listen', () => {
  // Hundreds of requests, one connection each, none in flight while a worker is SIGKILLed: every
  // one answered, by more than one worker, each with LISTEN_PID its own pid.
  async function serveThroughKills(server: string[], workers: string[], killEvery = 30) {
    const port = await freePort();
    const init = startInit([...workers, '--listen', `http=tcp:127.0.0.1:${port}`, '--', ...server]);
    const pid = await initPidOf(init);
    killWhenDone(pid);
    await waitFor('the first answer', () => ask({ port }).catch(() => undefined));
    const answers: Answer[] = [];
    const killed = new Set<number>();
    for (let i = 0; i < 300; i++) {
      if (i % killEvery === killEvery - 1) {
        const worker = childrenOf(pid).find((child) => !killed.has(child.pid))!;
        killed.add(worker.pid);
        process.kill(worker.pid, 'SIGKILL');
        // Dead before the next connect: a worker about to die may still accept it (the kernel
        // looks at the accept queue before the signal), and a request in flight is lost.
        await waitFor('the killed worker to die', () => [undefined, 'Z'].includes(readProcess(worker.pid)?.state));
      }
      answers.push(await ask({ port }));
    }
    process.kill(pid, 'SIGTERM');
    await init.closed;
    expect(answers).toHaveLength(300);
    expect(answers.every((answer) => answer.listenPid === answer.pid && answer.names === 'http')).toBe(true);
    return { answers, killed };
  }

  it('a Node server on fd 3 as two workers answers every request while its workers are SIGKILLed', async () => {
    const { answers } = await serveThroughKills(['node', path.join(FIXTURES, 'listen-worker.js')], ['--workers', '2']);
    expect(new Set(answers.map((answer) => answer.task))).toEqual(new Set(['0', '1']));
    expect(new Set(answers.map((answer) => answer.pid)).size).toBeGreaterThan(2); // restarted ones answered too
  });

  it('a Python server on socket.socket(fileno=3) as two workers does the same', async () => {
    const { answers } = await serveThroughKills(['python3', path.join(FIXTURES, 'listen-worker.py')], ['--workers', '2']);
    expect(new Set(answers.map((answer) => answer.task))).toEqual(new Set(['0', '1']));
    expect(new Set(answers.map((answer) => answer.pid)).size).toBeGreaterThan(2);
  });

  it('one command restarted (no --workers): a connection made while it restarts waits, never refused', async () => {
    // Killed 3 times: its back-off doubles (100, 200, 400 ms); a request waits that long.
    const { answers, killed } = await serveThroughKills(['node', path.join(FIXTURES, 'listen-worker.js')], ['--restart', 'on-failure'], 75);
    expect(new Set(answers.map((answer) => answer.pid)).size).toBe(killed.size + 1);
    expect(answers.every((answer) => answer.task === '')).toBe(true); // no pool: no task id
  });

  it('a unix socket path: a stale socket file is replaced, a file of another kind is not', async () => {
    const dir = scratch();
    const socketPath = path.join(dir, 'app.sock');
    execFileSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(socketPath)})`]); // left behind
    const init = startInit(['--listen', `unix:${socketPath}`, '--', 'node', path.join(FIXTURES, 'listen-worker.js')]);
    const pid = await initPidOf(init);
    killWhenDone(pid);
    const answer = await waitFor('an answer on the unix socket', () => ask({ socketPath }).catch(() => undefined));
    expect(answer.names).toBe(`unix-${socketPath}`);
    process.kill(pid, 'SIGTERM');
    await init.closed;

    const file = path.join(dir, 'regular');
    writeFileSync(file, 'data');
    const refused = await runInit(['--listen', `unix:${file}`, '--', 'true']);
    expect([refused.code, refused.stderr]).toEqual([2, `[tsinit] cannot listen on unix:${file}: a file that is no socket is in the way\n`]);
    expect(readFileSync(file, 'utf8')).toBe('data');
  });

  it('a port in use: one line and exit 2, before anything starts', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => busy.once('listening', resolve));
    const { port } = busy.address() as net.AddressInfo;
    const marker = path.join(scratch(), 'started');
    try {
      const result = await runInit(['--listen', `tcp:127.0.0.1:${port}`, '--', 'touch', marker]);
      expect([result.code, result.stderr]).toEqual([2, `[tsinit] cannot listen on tcp:127.0.0.1:${port}: address already in use (EADDRINUSE)\n`]);
      expect(() => readFileSync(marker)).toThrow();
    } finally {
      busy.close();
    }
  });
});
