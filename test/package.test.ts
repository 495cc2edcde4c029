import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const { name: NAME, version: VERSION } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const NAMESPACE = ['unshare', '--pid', '--fork', '--mount-proc'];
const npm = (cwd: string, ...args: string[]) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--offline'], { cwd, encoding: 'utf8' });
const run = (command: string[], cwd?: string) => runCommand(command, { cwd });

// The package as a release publishes it (npm/pack.sh), installed in an empty directory from the
// main tarball and this platform's, offline: nothing but those two is needed at run time.
let work: string;
let tarballs: { main: string; platform: string };
let project: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'tsinit-package-'));
  execFileSync('sh', [path.join(ROOT, 'npm/pack.sh'), work]);
  tarballs = { main: path.join(work, `${NAME}-${VERSION}.tgz`), platform: path.join(work, `${NAME}-linux-${process.arch}-gnu-${VERSION}.tgz`) };
  project = path.join(work, 'project');
  execFileSync('mkdir', ['-p', project]);
  npm(project, 'init', '-y');
  npm(project, 'install', '--offline', tarballs.main, tarballs.platform);
}, 120_000);
// The file's tests share the directory: it goes when the last of them is done.
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true, maxRetries: 5 });
});

// A Node program of a user's, importing the installed package, run as PID 1.
const runProgram = (program: string) => run([...NAMESPACE, process.execPath, '--input-type=module', '-e', program], project);
const manifestIn = (tarball: string) => JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));

describe('the npm package, installed from its tarballs', () => {
  it('carries no addon itself: the platform packages do, pinned at its exact version', () => {
    expect(execFileSync('tar', ['-tzf', tarballs.main], { encoding: 'utf8' })).not.toMatch(/\.node$/m);
    const { version, optionalDependencies } = manifestIn(tarballs.main);
    const platforms = ['linux-x64-gnu', 'linux-x64-musl', 'linux-arm64-gnu', 'linux-arm64-musl'];
    expect(optionalDependencies).toEqual(Object.fromEntries(platforms.map((platform) => [`${NAME}-${platform}`, version])));
    expect(execFileSync('tar', ['-tzf', tarballs.platform], { encoding: 'utf8' })).toMatch(new RegExp(`^package/tsinit\\.linux-${process.arch}-gnu\\.node$`, 'm'));
  });

  it('runs as PID 1 through its bin, with the addon from the platform package', async () => {
    const result = await run([...NAMESPACE, path.join(project, 'node_modules/.bin/tsinit'), '--', 'sh', '-c', 'exit 7']);
    expect(result).toEqual({ code: 7, stdout: '', stderr: '' });
    const loaded = await run([...NAMESPACE, path.join(project, 'node_modules/.bin/tsinit'), '--', 'sh', '-c', 'grep -o "[^ ]*\\.node$" /proc/1/maps | sort -u']);
    expect(loaded.stdout).toBe(`${path.join(project, `node_modules/${NAME}-linux-${process.arch}-gnu/tsinit.linux-${process.arch}-gnu.node`)}\n`);
  });

  it('makes a Node app its own PID 1 through `node -r NAME/register`', async () => {
    const app = "process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000)"; // no listener: the register's stop, 143
    const result = await runCommand([...NAMESPACE, process.execPath, '-r', `${NAME}/register`, '-e', app], { cwd: project, env: { TSINIT_VERBOSITY: '2' } });
    expect(result.stderr).toBe('[tsinit] PID 1: reaping orphans, ending on SIGTERM, SIGINT, SIGHUP\n');
    expect(result.code).toBe(143);
  });

  it("offers `run` to Node programs, with lifecycle events", async () => {
    const program = `
      import { run } from '${NAME}';
      const events = [];
      // The orphan ignores SIGTERM: when sh exits before it, the shutdown's SIGTERM must not end it.
      const init = run({ command: ['sh', '-c', '(trap "" TERM; true &); exit 3'] });
      for (const name of ['spawn', 'reap', 'exit']) init.on(name, (fields) => events.push({ event: name, ...fields }));
      const code = await init.exited;
      console.log(JSON.stringify(events));
      process.exit(code);`;
    const result = await runProgram(program);
    expect(result.code).toBe(3);
    const events = JSON.parse(result.stdout);
    expect(events[0]).toMatchObject({ event: 'spawn', pid: expect.any(Number), command: ['sh', '-c', '(trap "" TERM; true &); exit 3'] });
    expect(events).toContainEqual(expect.objectContaining({ event: 'reap', name: 'sh', exitCode: 0 })); // the orphan
    expect(events).toContainEqual(expect.objectContaining({ event: 'reap', pid: events[0].pid, exitCode: 3 }));
    expect(events.at(-1)).toEqual({ event: 'exit', exitCode: 3 });
  });

  it('stops the tree and exits 1 when a listener throws', async () => {
    const program = `
      import { run } from '${NAME}';
      const init = run({ command: ['sleep', '60'], verbosity: 2 });
      init.on('spawn', () => { throw new Error('listener broke'); });
      process.exit(await init.exited);`;
    const result = await runProgram(program);
    expect(result.code).toBe(1);
    const pid = /spawned sleep 60 as pid (\d+)/.exec(result.stderr)![1];
    expect(result.stderr.split('\n')).toEqual([
      `[tsinit] spawned sleep 60 as pid ${pid}`,
      '[tsinit] internal error: listener broke',
      `[tsinit] tsinit failed; still running: ${pid} (sleep); SIGTERM now, SIGKILL in 5000 ms`,
      `[tsinit] sleep (pid ${pid}) killed by SIGTERM`,
      '[tsinit] exiting with code 1',
      '',
    ]);
  });

  it("keeps the command's exit code when an `exit` listener throws after the end", async () => {
    const program = `
      import { run } from '${NAME}';
      const init = run({ command: ['sh', '-c', 'exit 3'], graceMs: 0, verbosity: 2 });
      init.on('exit', () => { throw new Error('listener broke'); });
      const code = await init.exited;
      setImmediate(() => process.exit(code)); // once every pending microtask has run`;
    const result = await runProgram(program);
    expect(result.code).toBe(3);
    const pid = /spawned sh -c exit 3 as pid (\d+)/.exec(result.stderr)![1];
    expect(result.stderr.split('\n').slice(1)).toEqual([
      `[tsinit] sh (pid ${pid}) exited with code 3`,
      '[tsinit] exiting with code 3',
      '[tsinit] internal error: listener broke',
      '',
    ]);
  });

  it('ships types that check a typical use and reject a wrong one', () => {
    writeFileSync(
      path.join(project, 'use.ts'),
      `import { run, type InitEvents } from '${NAME}';
      const init = run({ command: ['true'], graceMs: 0, rewrite: { SIGTERM: 'SIGQUIT' } });
      init.on('reap', (reaped) => reaped.pid.toFixed());
      const exited: Promise<number> = init.exited;
      const spawn: InitEvents['spawn'][0] = { pid: 1, command: [], taskId: 0 };
      // @ts-expect-error command is an array
      run({ command: 'true' });
      export { exited, spawn };`,
    );
    const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), 'use.ts'];
    expect(execFileSync(tsc, args, { cwd: project, encoding: 'utf8' })).toBe('');
  });
});
