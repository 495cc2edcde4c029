import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inShell, runInit, tempDir } from './helpers';

describe('NODE_OPTIONS, meant for the command, not for the Node that runs tsinit', () => {
  it('reaches the command unchanged while tsinit restarts itself without it', async () => {
    const dir = tempDir('tsinit-');
    const preload = path.join(dir, 'preload.js');
    const loads = path.join(dir, 'loads');
    writeFileSync(preload, `require('fs').appendFileSync(${JSON.stringify(loads)}, (process.argv[1] ?? 'node -e') + '\\n');`);
    const options = `--require ${preload}`;
    const script = 'printenv NODE_OPTIONS; env | grep -c TSINIT_ || true; node -e 0; tr "\\0" "\\n" < /proc/1/environ | grep -c ^NODE_OPTIONS= || true';
    const result = await runInit(['--', 'sh', '-c', script], { env: { NODE_OPTIONS: options } });
    expect(result).toEqual({ code: 0, stdout: `${options}\n0\n0\n`, stderr: '' });
    // The agent ran in the command's node; in tsinit only once, before the restart (Node loads
    // preloads before any script), not in the init that then supervised the command.
    expect(readFileSync(loads, 'utf8').split('\n').filter(Boolean)).toEqual([expect.stringMatching(/dist\/cli\.js$/), 'node -e']);
  });

  it("leaves --inspect's port to the command", async () => {
    const port = 40_000 + Math.floor(Math.random() * 20_000);
    const check = "const url = require('inspector').url(); console.log(url ? new URL(url).port : 'no inspector')";
    const result = await runInit(['--', process.execPath, '-e', check], { env: { NODE_OPTIONS: `--inspect=127.0.0.1:${port}` } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${port}\n`);
  });

  it('gives NODE_OPTIONS back byte for byte, UTF-8 or not, even with a --title that rewrites /proc', async () => {
    const script = `NODE_OPTIONS="$(printf -- '--max-old-space-size=100 --title=\\377x')" exec $TSINIT -- sh -c 'printf %s "$NODE_OPTIONS" | od -An -c'`;
    expect((await inShell(script)).replace(/\s+/g, ' ').trim()).toBe('- - m a x - o l d - s p a c e - s i z e = 1 0 0 - - t i t l e = 377 x');
  });

  it('says in one line that NODE_OPTIONS keeps Node from loading its addon (--no-addons)', async () => {
    const result = await runInit(['--', 'true'], { env: { NODE_OPTIONS: '--no-addons' } });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: '[tsinit] Node may not load native addons here (--no-addons or --experimental-permission, in NODE_OPTIONS?): tsinit needs its addon; give those options to the command alone\n',
    });
  });

  it('leaves the command NODE_UNIQUE_ID, which Node deletes as it starts, across the restart too', async () => {
    const script = 'printenv NODE_UNIQUE_ID';
    expect(await runInit(['--', 'sh', '-c', script], { env: { NODE_UNIQUE_ID: '7' } })).toEqual({ code: 0, stdout: '7\n', stderr: '' });
    const options = { NODE_UNIQUE_ID: '7', NODE_OPTIONS: '--max-old-space-size=100' };
    expect(await runInit(['--', 'sh', '-c', script], { env: options })).toEqual({ code: 0, stdout: '7\n', stderr: '' });
  });

  it('runs when NODE_OPTIONS makes .js files ES modules (the package says commonjs)', async () => {
    const options = '--experimental-default-type=module';
    const result = await runInit(['--', 'sh', '-c', 'printenv NODE_OPTIONS'], { env: { NODE_OPTIONS: options } });
    expect(result).toEqual({ code: 0, stdout: `${options}\n`, stderr: '' });
  });
});
