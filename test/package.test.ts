import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

// The package as a new user gets it: `npm pack`, then installed from the tarball in empty dirs.
let project: string; // npm install TARBALL
let globalPrefix: string; // npm install -g --prefix, the layout of the Dockerfiles' `npm install -g`
beforeAll(() => {
  const work = mkdtempSync(path.join(tmpdir(), 'tsinit-package-'));
  const tarball = path.join(work, npm(ROOT, 'pack', '--pack-destination', work).trim().split('\n').pop()!);
  project = path.join(work, 'project');
  globalPrefix = path.join(work, 'global');
  execFileSync('mkdir', ['-p', project, globalPrefix]);
  npm(project, 'init', '-y');
  npm(project, 'install', tarball);
  npm(project, 'install', '-g', '--prefix', globalPrefix, tarball);
}, 120_000);

describe('the npm package, installed from its tarball', () => {
  it('runs as PID 1 through its bin', async () => {
    const result = await run([...NAMESPACE, path.join(project, 'node_modules/.bin/tsinit'), '--', 'sh', '-c', 'exit 7']);
    expect(result).toEqual({ code: 7, stdout: '', stderr: '' });
  });

  it('runs from the paths the Dockerfiles use: the global bin, and node on cli.js (distroless)', async () => {
    const bin = path.join(globalPrefix, 'bin/tsinit');
    const cli = path.join(globalPrefix, 'lib/node_modules/tsinit/dist/cli.js');
    expect((await run([...NAMESPACE, bin, '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
    expect((await run([...NAMESPACE, process.execPath, cli, '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
  });

  it("offers `run` to Node programs, with lifecycle events", async () => {
    const program = `
      import { run } from 'tsinit';
      const events = [];
      const init = run({ command: ['sh', '-c', '(true &); exit 3'] }); // the grace lets the orphan be reaped too
      for (const name of ['spawn', 'reap', 'exit']) init.on(name, (fields) => events.push({ event: name, ...fields }));
      const code = await init.exited;
      console.log(JSON.stringify(events));
      process.exit(code);`;
    const result = await run([...NAMESPACE, process.execPath, '--input-type=module', '-e', program], project);
    expect(result.code).toBe(3);
    const events = JSON.parse(result.stdout);
    expect(events[0]).toMatchObject({ event: 'spawn', pid: expect.any(Number), command: ['sh', '-c', '(true &); exit 3'] });
    expect(events).toContainEqual(expect.objectContaining({ event: 'reap', name: 'sh', exitCode: 0 })); // the orphan
    expect(events).toContainEqual(expect.objectContaining({ event: 'reap', pid: events[0].pid, exitCode: 3 }));
    expect(events.at(-1)).toEqual({ event: 'exit', exitCode: 3 });
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
