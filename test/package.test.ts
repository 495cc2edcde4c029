import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startCommand } from './helpers';

const ROOT = path.resolve(__dirname, '..');
const NAMESPACE = ['unshare', '--pid', '--fork', '--mount-proc'];
const npm = (cwd: string, ...args: string[]) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, encoding: 'utf8' });
const run = async (command: string[], cwd?: string) => {
  const started = startCommand(command, { cwd });
  const { code } = await started.closed;
  return { code, stdout: started.stdout(), stderr: started.stderr() };
};

// The package as a new user gets it: `npm pack`, then installed from the tarball in an empty dir.
let work: string;
let tarball: string;
let project: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'tsinit-package-'));
  tarball = path.join(work, npm(ROOT, 'pack', '--pack-destination', work).trim().split('\n').pop()!);
  project = path.join(work, 'project');
  execFileSync('mkdir', ['-p', project]);
  npm(project, 'init', '-y');
  npm(project, 'install', tarball);
}, 120_000);

// A Node program of a user's, importing the installed package, run as PID 1.
const runProgram = (program: string) => run([...NAMESPACE, process.execPath, '--input-type=module', '-e', program], project);

// A Dockerfile's `RUN npm install` and ENTRYPOINT, replayed under a directory standing for `/`.
function replayDockerfile(name: string, root: string): string[] {
  const dockerfile = readFileSync(path.join(ROOT, 'docker', name), 'utf8');
  const install = /^RUN npm install (.*?)\/tmp\/tsinit\.tgz/m.exec(dockerfile)![1].trim().split(/\s+/);
  const prefix = install[0] === '-g' ? '/usr/local' : install[install.indexOf('--prefix') + 1];
  npm(ROOT, 'install', ...(install[0] === '-g' ? ['-g'] : []), '--prefix', path.join(root, prefix), tarball);
  const entrypoint: string[] = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)![1]);
  return entrypoint.map((word) => {
    if (word === 'tsinit') return path.join(root, '/usr/local/bin/tsinit'); // on the image's PATH
    if (word === '/nodejs/bin/node') return process.execPath; // distroless's node
    return word.startsWith('/') ? path.join(root, word) : word;
  });
}

describe('the npm package, installed from its tarball', () => {
  it('runs as PID 1 through its bin', async () => {
    const result = await run([...NAMESPACE, path.join(project, 'node_modules/.bin/tsinit'), '--', 'sh', '-c', 'exit 7']);
    expect(result).toEqual({ code: 7, stdout: '', stderr: '' });
  });

  it.each(['debian.Dockerfile', 'alpine.Dockerfile', 'distroless.Dockerfile'])('runs as PID 1 from the paths %s installs to', async (name) => {
    const entrypoint = replayDockerfile(name, mkdtempSync(path.join(work, 'root-')));
    expect(await run([...NAMESPACE, ...entrypoint, 'sh', '-c', 'exit 7'])).toEqual({ code: 7, stdout: '', stderr: '' });
  });

  it("offers `run` to Node programs, with lifecycle events", async () => {
    const program = `
      import { run } from 'tsinit';
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
      import { run } from 'tsinit';
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
      import { run } from 'tsinit';
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
      `import { run, type InitEvents } from 'tsinit';
      const init = run({ command: ['true'], graceMs: 0, rewrite: { SIGTERM: 'SIGQUIT' } });
      init.on('reap', (reaped) => reaped.pid.toFixed());
      const exited: Promise<number> = init.exited;
      const spawn: InitEvents['spawn'][0] = { pid: 1, command: [] };
      // @ts-expect-error command is an array
      run({ command: 'true' });
      export { exited, spawn };`,
    );
    const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
    const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), 'use.ts'];
    expect(execFileSync(tsc, args, { cwd: project, encoding: 'utf8' })).toBe('');
  });
});
