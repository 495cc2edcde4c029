import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, startCommand, tempDir } from './helpers';

const NATIVE = path.resolve(__dirname, '../native');
const HEADERS = path.resolve(process.execPath, '../../include/node');
// The addon's pure C, as build.sh compiles it: the handler, the loop's side, the reaper.
const SOURCES = ['handler.c', 'loop-side.c', 'reaper.c'].map((file) => path.join(NATIVE, file));

// The harness (fixtures/fast-path-race.c) linked with the addon's sources; -iquote: the addon's
// spawn.h must not stand for libc's <spawn.h>.
function buildHarness(flags: string[]): string {
  const binary = path.join(tempDir('tsinit-race-'), 'fast-path-race');
  execFileSync('gcc', ['-std=gnu11', '-g', '-Wall', '-Wextra', '-Werror', ...flags, '-iquote', NATIVE, `-I${HEADERS}`, '-o', binary, path.join(FIXTURES, 'fast-path-race.c'), ...SOURCES, '-lpthread']);
  return binary;
}

async function run(binary: string) {
  const started = startCommand([binary]);
  const { code, signal } = await started.closed;
  return { code, signal, stdout: started.stdout(), stderr: started.stderr() };
}

describe('the fast path driven from several threads and real signals at once', () => {
  it('has no data race that ThreadSanitizer sees, and ends every target with its status seen', async () => {
    const result = await run(buildHarness(['-O1', '-fsanitize=thread']));
    expect(result.stderr).not.toContain('WARNING: ThreadSanitizer');
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
  });

  it('counts every queued signal exactly once (built without ThreadSanitizer, whose runtime merges queued signals)', async () => {
    const result = await run(buildHarness(['-O2']));
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' });
    const [, queued, taken, before] = result.stdout.match(/real-time signals queued (\d+), taken (\d+), at the action from before (\d+)/)!.map(Number);
    expect(taken + before).toBe(queued);
  });
});
