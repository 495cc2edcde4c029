import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
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

  it('is an ELF shared object for its machine, linked to its libc alone', () => {
    const header = readelf('-h', addon);
    expect(header).toMatch(/Type:\s+DYN/);
    expect(header).toContain(`Machine:                           ${machine}`);
    expect([...readelf('-d', addon).matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((match) => match[1])).toEqual([needed]);
  });

  it('exports only the Node-API entry points and needs nothing newer than its libc floor', () => {
    const symbols = readelf('--dyn-syms', addon).split('\n').map((line) => line.trim().split(/\s+/));
    const defined = symbols.filter((fields) => fields[4] === 'GLOBAL' && fields[6] !== 'UND').map((fields) => fields[7]);
    expect(defined.filter((name) => !['_init', '_fini'].includes(name)).sort()).toEqual(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
    const undefinedNames = symbols.filter((fields) => fields[6] === 'UND').map((fields) => fields[7]?.split('@')[0]);
    expect(undefinedNames).toEqual(expect.arrayContaining(['napi_make_callback', 'uv_signal_start', 'vfork', 'waitpid']));
    const versions = readelf('--dyn-syms', addon).match(/GLIBC_[\d.]+/g) ?? [];
    if (glibcFloor) expect(versions.filter((version) => newer(version.slice(6), glibcFloor))).toEqual([]);
    else expect(versions).toEqual([]);
  });

  it('sits in a platform package whose os, cpu and libc fields npm installs by', () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: `tsinit-${target}`, main: `tsinit.${target}.node`, os: ['linux'], cpu: [cpu] });
    expect(manifest.libc).toEqual([libc]);
  });
});
