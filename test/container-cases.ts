import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { descendantsOf, readProcess } from '../src/platform/process-tree';
import type { Engine } from './container-engine';
import { buildImages, IMAGES, POOL_PORT, POOLS } from './container-images';
import { startCommand, waitFor, type Started } from './helpers';

// The container cases, the same on every engine: tsinit in real containers, images built here
// from the packed tarballs and docker/*.Dockerfile as users build them; tini in the same image as
// the reference. docker.test.ts and podman.test.ts each run them on their engine.
let engine: Engine; // set before the first test runs
let unavailable: string | undefined;

/**
 * Gives the calling test file its engine: started, with the images built in it, before the file's
 * first test (none when every test is filtered out), and stopped after its last, which removes
 * what the tests made. Where it cannot start, each test is skipped with the reason;
 * REQUIRE_CONTAINER_ENGINES=1 (CI sets it) makes that a failure. The engine, for the file's own cases.
 */
export function useEngine(start: () => Promise<Engine>): () => Engine {
  let work: string | undefined;
  beforeAll(async () => {
    try {
      engine = await start();
    } catch (error) {
      if (process.env.REQUIRE_CONTAINER_ENGINES === '1') throw error;
      unavailable = (error as Error).message.split('\n')[0];
      console.warn(`container tests skipped: ${unavailable}`);
      return;
    }
    work = mkdtempSync(path.join(tmpdir(), 'tsinit-images-'));
    await buildImages(engine, work);
  }, 600_000);
  beforeEach((context) => {
    if (unavailable) context.skip(unavailable);
  });
  afterAll(async () => {
    await engine?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);
  return () => engine;
}

const INITS = { tsinit: [], tini: ['--entrypoint', 'tini'] } as const;

// The image and command words of `run` for `command` under `init` (tini takes `--`, as
// tsinit's entrypoint has it).
const under = (init: keyof typeof INITS, command: string[]) => [...INITS[init], IMAGES.debianWithTini, ...(init === 'tini' ? ['--'] : []), ...command];

// `run --rm`, to the end.
function run(init: keyof typeof INITS, command: string[], flags: string[] = [], input?: string | Buffer) {
  return engine.cli(['run', '--rm', ...flags, ...under(init, command)], input);
}

/** A field of the container's, as `inspect -f '{{FIELD}}'` prints it. */
export async function inspect(container: string, field: string): Promise<string> {
  return (await engine.cli(['inspect', '-f', `{{${field}}}`, container])).stdout.trim();
}

// `run -d`: the container's id.
async function runDetached(init: keyof typeof INITS, command: string[]): Promise<string> {
  const { code, stdout, stderr } = await engine.cli(['run', '-d', ...under(init, command)]);
  if (code !== 0) throw new Error(`${engine.client} run -d failed: ${stderr}`);
  return stdout.trim();
}

// `stop` as the engine does it (SIGTERM, the timeout, SIGKILL), then the exit code it recorded;
// the container removed.
async function stopped(container: string, timeoutSeconds: number): Promise<number> {
  await engine.cli(['stop', '-t', String(timeoutSeconds), container]);
  const code = Number(await inspect(container, '.State.ExitCode'));
  await engine.removeNow(container);
  return code;
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

// `run -it` in a real pseudo-terminal (`script`); what the test writes to it is typed there.
function inTerminal(name: string, command: string[], flags: string[] = []): Started {
  const words = [engine.client, 'run', '--rm', '-it', '--name', name, ...flags, IMAGES.debian, ...command];
  return startCommand(['script', '-qfec', words.map(quote).join(' '), '/dev/null'], { env: engine.env });
}

// test/fixtures/pool-client.js run in a pool's container (`exec`, so to 127.0.0.1 there):
// how it ended, the answers as [task id, pid] before and after the worker it killed, that pid,
// and the lines that are neither.
async function askPool(container: string, node: string, args: number[]) {
  const { code, stdout, stderr } = await engine.cli(['exec', container, node, '/srv/pool-client.js', String(POOL_PORT), ...args.map(String)]);
  const lines = stdout.split('\n').filter(Boolean);
  const answer = /^(\d+) (\d+)$/;
  const answers = (part: string[]) => part.filter((line) => answer.test(line)).map((line) => line.split(' ').map(Number) as [number, number]);
  const kill = lines.findIndex((line) => /^killed \d+$/.test(line));
  return {
    code,
    stderr,
    failures: lines.filter((line, index) => index !== kill && !answer.test(line)),
    before: answers(kill < 0 ? lines : lines.slice(0, kill)),
    killed: kill < 0 ? undefined : Number(lines[kill].split(' ')[1]),
    after: answers(kill < 0 ? [] : lines.slice(kill + 1)),
  };
}

// The pids that answered for each task id, in the order they first did.
function pidsById(answers: [number, number][]): Record<number, number[]> {
  const byId: Record<number, number[]> = {};
  for (const [id, pid] of answers) if (!(byId[id] ??= []).includes(pid)) byId[id].push(pid);
  return byId;
}

// test/fixtures/register-http.js's probe in a register container (`exec`): the server's
// answer (its pid), and the container's other processes.
async function probeApp(container: string) {
  const { stdout } = await engine.cli(['exec', container, 'node', 'app.js', 'probe']);
  const [answer, ...lines] = stdout.trim().split('\n');
  const processes = lines.map((line) => {
    const [pid, ppid, state, ...name] = line.split(' ');
    return { pid: Number(pid), ppid: Number(ppid), state, name: name.join(' ') };
  });
  return { answer, processes };
}

/** Declares the container cases, titled with the engine's name ("Docker"), on the file's engine (useEngine). */
export function describeContainerCases(name: string): void {
  const cli = name.toLowerCase();
  describe(`in a ${name} container`, () => {
    it("exits with the command's code as tini does: 0, 3, 143 when killed by SIGTERM, 127 not found, 126 not executable", async () => {
      const commands = [['sh', '-c', 'exit 0'], ['sh', '-c', 'exit 3'], ['sh', '-c', 'kill -TERM $$'], ['no-such-command'], ['/etc/passwd']];
      for (const init of ['tsinit', 'tini'] as const) {
        const codes = [];
        for (const command of commands) codes.push((await run(init, command)).code);
        expect({ init, codes }).toEqual({ init, codes: [0, 3, 143, 127, 126] });
      }
    });

    it(`forwards \`${cli} stop\` to the command: sleep ends with 143, not the timeout's SIGKILL (137), as under tini`, async () => {
      for (const init of ['tsinit', 'tini'] as const) {
        const container = await runDetached(init, ['sleep', '1000']);
        const pid = Number(await inspect(container, '.State.Pid'));
        await waitFor('sleep to run', () => descendantsOf(pid).some((info) => info.name === 'sleep'));
        expect({ init, code: await stopped(container, 10) }).toEqual({ init, code: 143 });
      }
    });

    it(`loses no \`${cli} stop\` sent right after \`${cli} run -d\` (20 in a row)`, async () => {
      const codes = [];
      for (let i = 0; i < 20; i++) codes.push(await stopped(await runDetached('tsinit', ['sleep', '1000']), 10));
      expect(codes).toEqual(Array(20).fill(143));
    });

    it('reaps 50 double-forked orphans: none left as a zombie, as under tini', async () => {
      const command = ['sh', '-c', 'for i in $(seq 50); do (sleep 0.2 &); done; exec sleep 1000'];
      for (const init of ['tsinit', 'tini'] as const) {
        const container = await runDetached(init, command);
        const pid = Number(await inspect(container, '.State.Pid'));
        // The orphans exist once sh has exec'd sleep 1000; only reaping takes them out of the tree.
        await waitFor(`${init} to reap every orphan`, () => {
          const left = descendantsOf(pid);
          return left.length === 1 && left[0].name === 'sleep';
        });
        await engine.removeNow(container);
      }
    });

    it('passes piped stdin through untouched (1 MB into wc)', async () => {
      const result = await run('tsinit', ['wc', '-c'], ['-i'], Buffer.alloc(1_000_000, 'x'));
      expect(result).toMatchObject({ code: 0, stdout: '1000000\n' });
    });

    it('runs as user 1000 (-u 1000:1000) and on a read-only root (--read-only)', async () => {
      const asUser = await run('tsinit', ['sh', '-c', 'id -u; grep ^Uid: /proc/1/status; exit 4'], ['-u', '1000:1000']);
      expect(asUser).toMatchObject({ code: 4, stdout: '1000\nUid:\t1000\t1000\t1000\t1000\n' });
      const readOnly = await run('tsinit', ['sh', '-c', 'touch /x 2>/dev/null || echo read-only; exit 5'], ['--read-only']);
      expect(readOnly).toEqual({ code: 5, stdout: 'read-only\n', stderr: '' });
    });

    it("gives the container's NODE_OPTIONS to the command and not to tsinit", async () => {
      const program = 'console.log(process.env.NODE_OPTIONS, require("fs").readFileSync("/proc/1/environ", "latin1").includes("NODE_OPTIONS="))';
      const result = await run('tsinit', ['node', '-e', program], ['-e', 'NODE_OPTIONS=--max-old-space-size=64']);
      expect(result).toEqual({ code: 0, stdout: '--max-old-space-size=64 false\n', stderr: '' });
    });

    it('runs in the distroless image (no shell): its CMD, and an exit code through', async () => {
      const hello = await engine.cli(['run', '--rm', IMAGES.distroless]);
      expect(hello).toMatchObject({ code: 0, stdout: expect.stringMatching(/^hello from pid \d+ under tsinit\n$/) });
      expect(await engine.cli(['run', '--rm', IMAGES.distroless, '/nodejs/bin/node', '-e', 'process.exit(7)'])).toMatchObject({ code: 7 });
    });
  });

  describe(`in a ${name} container with a terminal (${cli} run -it)`, () => {
    const containerName = (what: string) => `tsinit-test-${what}-${process.pid}`;

    it('delivers Ctrl-C to a trapping shell', async () => {
      const script = 'trap "echo got INT; exit 7" INT; echo ready; while :; do sleep 0.1; done';
      const terminal = inTerminal(containerName('ctrl-c'), ['bash', '-c', script]);
      try {
        await waitFor('the shell to be ready', () => terminal.stdout().includes('ready'));
        terminal.child.stdin!.write('\x03');
        expect(await terminal.closed).toEqual({ code: 7, signal: null });
        expect(terminal.stdout()).toContain('got INT');
      } finally {
        terminal.child.kill('SIGKILL');
        await engine.removeNow(containerName('ctrl-c'));
      }
    });

    it('lets an interactive bash stop a job with Ctrl-Z and resume it with fg', async () => {
      const container = containerName('ctrl-z');
      const terminal = inTerminal(container, ['bash', '--norc', '-i'], ['-e', 'PS1=tsinit-test$ ']);
      const prompts = () => terminal.stdout().split('tsinit-test$ ').length - 1;
      try {
        await waitFor('the prompt', () => prompts() === 1);
        const init = Number(await waitFor('the container', async () => (await inspect(container, '.State.Pid')) || undefined));
        terminal.child.stdin!.write('sleep 1000\r');
        const job = await waitFor('the job', () => descendantsOf(init).find((info) => info.name === 'sleep'));
        terminal.child.stdin!.write('\x1a');
        await waitFor('the job to stop', () => readProcess(job.pid)?.state === 'T' && prompts() === 2);
        expect(terminal.stdout()).toMatch(/Stopped\s+sleep 1000/);
        terminal.child.stdin!.write('fg\r');
        await waitFor('the job to run again in the foreground', () => readProcess(job.pid)?.state === 'S' && readProcess(job.pid)?.tpgid === job.pgrp);
        terminal.child.stdin!.write('\x03');
        await waitFor('the job to end', () => readProcess(job.pid) === undefined && prompts() === 3);
        terminal.child.stdin!.write('exit 5\r');
        expect(await terminal.closed).toEqual({ code: 5, signal: null });
      } finally {
        terminal.child.kill('SIGKILL');
        await engine.removeNow(container);
      }
    });
  });

  describe(`a worker pool in a ${name} container (ENTRYPOINT tsinit --workers 2 --listen tcp:0.0.0.0:${POOL_PORT}), asked from inside it`, () => {
    it.each(Object.entries(POOLS))(
      `%s: both task ids answer; task 1 SIGKILLed comes back with its id and a new pid, every request answered meanwhile; ${cli} stop -> 143, nothing left`,
      async (_name, { image, node }) => {
        const { code, stdout, stderr } = await engine.cli(['run', '-d', image]);
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        const container = stdout.trim();
        const init = Number(await inspect(container, '.State.Pid'));
        // No wait for the workers: tsinit listens before it starts them, so early requests wait in its backlog.
        const pool = await askPool(container, node, [100, 1]);
        expect(pool).toMatchObject({ code: 0, stderr: '', failures: [] });
        // 100 requests reach both workers, one pid each; task 1's is SIGKILLed between requests.
        const before = pidsById(pool.before);
        expect(before).toEqual({ 0: [expect.any(Number)], 1: [expect.any(Number)] });
        expect(pool.killed).toBe(before[1][0]);
        // Task 0 answers on while task 1 is down, then task 1 again, from a new pid.
        expect(pool.after.findIndex(([id]) => id === 1)).toBeGreaterThan(0);
        const after = pidsById(pool.after);
        expect(after).toEqual({ 0: before[0], 1: [expect.any(Number)] });
        expect(after[1]).not.toEqual(before[1]);

        const tree = [init, ...descendantsOf(init).map((info) => info.pid)];
        expect(tree).toHaveLength(3);
        expect(await stopped(container, 10)).toBe(143);
        expect(tree.filter((pid) => readProcess(pid))).toEqual([]);
      },
    );
  });

  describe(`a Node app as its own PID 1 in a ${name} container: CMD ["node", "-r", "tsinit-pid1/register", "app.js"]`, () => {
    // The app up, answering as PID 1, its short orphan (sleep 0.3) reaped and no zombie: besides
    // the app only the long one (sleep 1000), adopted by PID 1. Then `stop -t 10`, timed.
    async function runAndStop(env: string[]) {
      const { code, stdout, stderr } = await engine.cli(['run', '-d', '-e', 'TSINIT_VERBOSITY=3', ...env, IMAGES.register]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const container = stdout.trim();
      const init = Number(await inspect(container, '.State.Pid'));
      const settled = await waitFor('the app to answer with its short orphan reaped', async () => {
        const probe = await probeApp(container);
        const rest = probe.processes.filter(({ pid }) => pid !== 1);
        return probe.answer === 'answer 1' && rest.length === 1 && probe.processes.every(({ state }) => state !== 'Z') ? probe : undefined;
      });
      expect(settled.processes.find(({ pid }) => pid !== 1)).toMatchObject({ ppid: 1, name: 'sleep', state: 'S' });
      const tree = [init, ...descendantsOf(init).map((info) => info.pid)];
      expect(tree).toHaveLength(2);
      const began = performance.now();
      await engine.cli(['stop', '-t', '10', container]);
      const ms = performance.now() - began;
      const logs = await engine.cli(['logs', container]);
      // stopped() finds it stopped already: the exit code, and the container removed.
      return { code: await stopped(container, 10), ms, logs, left: tree.filter((pid) => readProcess(pid)) };
    }

    it(`with no SIGTERM listener: the orphan reaped meanwhile, ${cli} stop -> 143 in well under the timeout, the adopted sleep stopped too`, async () => {
      const { code, ms, logs, left } = await runAndStop([]);
      expect({ code, left }).toEqual({ code: 143, left: [] });
      expect(ms).toBeLessThan(5000);
      expect(logs.stderr).toMatch(/^\[tsinit\] reaped orphan \d+ \(sleep\), exited with code 0$/m);
      expect(logs.stderr).toMatch(/SIGTERM and no listener of the app's for it: exiting with code 143/);
    });

    it('with its own SIGTERM listener: the app decides (closes, exits 0 on its own 300 ms later), what it leaves is stopped at its exit', async () => {
      const { code, ms, logs, left } = await runAndStop(['-e', 'APP_SIGTERM=exit']);
      expect({ code, left, stdout: logs.stdout }).toEqual({ code: 0, left: [], stdout: 'app: SIGTERM, closing; exiting 0 in 300 ms\n' });
      expect(ms).toBeGreaterThanOrEqual(300);
      expect(ms).toBeLessThan(5000);
      expect(logs.stderr).toMatch(/SIGTERM: the app listens for it, and decides/);
    });
  });
}
