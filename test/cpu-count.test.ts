import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cfsQuota, cgroupDirs, cgroupMounts, cgroupPaths, containerCpus, cpuMaxQuota, quotaCpus, readText } from '../src/platform/cpu-count';

// This project's machines: cgroup v1 controllers, `cpu` mounted alone, a unified mount holding no controller.
const HYBRID_CGROUP = '9:name=systemd:/\n4:memory:/x\n2:cpuacct:/\n1:cpu:/app\n0::/\n';
const HYBRID_MOUNTINFO = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '',
].join('\n');
// Docker on cgroup v1: `cpu,cpuacct` mounted together, the container's cgroup at the mount's root.
const DOCKER_V1_CGROUP = '4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n';
const DOCKER_V1_MOUNTINFO = '700 690 0:40 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid master:19 - cgroup cpu,cpuacct rw,cpu,cpuacct\n';
// cgroup v2 alone, with a cgroup namespace: the container is `/`.
const V2_CGROUP = '0::/\n';
const V2_MOUNTINFO = '800 790 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n';

const files = (entries: Record<string, string>) => (path: string) => entries[path];
const count = (entries: Record<string, string>, available = 8) => containerCpus(files(entries), () => available);

describe('the CPU count of --workers auto', () => {
  it.each([
    ['max 100000\n', 'none'],
    ['max 100000', 'none'],
    ['150000 100000\n', { quota: 150000, period: 100000 }],
    ['50000 100000\n', { quota: 50000, period: 100000 }],
    ['200000\n', { quota: 200000, period: 100000 }], // the period left at the kernel's default
    [undefined, undefined], // missing
    ['', undefined],
    ['garbage\n', undefined],
    ['0 100000\n', undefined],
    ['100000 0\n', undefined],
  ])('cgroup v2 cpu.max %j: %j', (text, quota) => {
    expect(cpuMaxQuota(text)).toEqual(quota);
  });

  it.each([
    ['-1\n', '100000\n', 'none'],
    ['-1\n', undefined, 'none'],
    ['150000\n', '100000\n', { quota: 150000, period: 100000 }],
    ['150000\n', undefined, undefined],
    [undefined, '100000\n', undefined],
    ['-2\n', '100000\n', undefined],
    ['abc', '100000', undefined],
  ])('cgroup v1 cpu.cfs_quota_us %j over cpu.cfs_period_us %j: %j', (quota, period, expected) => {
    expect(cfsQuota(quota, period)).toEqual(expected);
  });

  it.each([
    [150000, 100000, 2],
    [100000, 100000, 1],
    [100001, 100000, 2],
    [50000, 100000, 1], // half a CPU still runs one worker
    [1000, 100000, 1],
    [400000, 100000, 4],
  ])('%d over %d rounds up to %d CPUs', (quota, period, cpus) => {
    expect(quotaCpus({ quota, period })).toBe(cpus);
  });

  it('finds the v2 cgroup and the v1 cpu one in /proc/self/cgroup', () => {
    expect(cgroupPaths(HYBRID_CGROUP)).toEqual({ v2: '/', v1Cpu: '/app' });
    expect(cgroupPaths(DOCKER_V1_CGROUP)).toEqual({ v1Cpu: '/docker/abc' });
    expect(cgroupPaths('0::/system.slice/app.service\n')).toEqual({ v2: '/system.slice/app.service' });
    expect(cgroupPaths('')).toEqual({});
  });

  it('finds the cgroup mounts in /proc/self/mountinfo, and where a cgroup appears under them', () => {
    expect(cgroupMounts(HYBRID_MOUNTINFO)).toEqual({ v2: [{ root: '/', point: '/sys/fs/cgroup/unified' }], v1Cpu: [{ root: '/', point: '/sys/fs/cgroup/cpu' }] });
    expect(cgroupMounts('1 0 0:1 / /sys/fs/cgroup/my\\040cpu rw - cgroup cgroup rw,cpu\n').v1Cpu).toEqual([{ root: '/', point: '/sys/fs/cgroup/my cpu' }]);
    expect(cgroupDirs([{ root: '/', point: '/sys/fs/cgroup/cpu' }], '/app')).toEqual(['/sys/fs/cgroup/cpu/app']);
    expect(cgroupDirs([{ root: '/', point: '/sys/fs/cgroup' }], '/')).toEqual(['/sys/fs/cgroup']);
    expect(cgroupDirs([{ root: '/docker/abc', point: '/sys/fs/cgroup/cpu,cpuacct' }], '/docker/abc')).toEqual(['/sys/fs/cgroup/cpu,cpuacct']);
    expect(cgroupDirs([{ root: '/docker', point: '/c' }], '/docker/abc')).toEqual(['/c/abc']);
  });

  it.each([
    [{ '/proc/self/cgroup': V2_CGROUP, '/proc/self/mountinfo': V2_MOUNTINFO, '/sys/fs/cgroup/cpu.max': '150000 100000\n' }, { count: 2, from: 'cgroup v2 cpu.max 150000 100000' }],
    [{ '/proc/self/cgroup': V2_CGROUP, '/proc/self/mountinfo': V2_MOUNTINFO, '/sys/fs/cgroup/cpu.max': 'max 100000\n' }, { count: 8, from: 'available CPUs' }],
    [{ '/proc/self/cgroup': V2_CGROUP, '/proc/self/mountinfo': V2_MOUNTINFO }, { count: 8, from: 'available CPUs' }], // no cpu.max (the root cgroup)
    [
      { '/proc/self/cgroup': HYBRID_CGROUP, '/proc/self/mountinfo': HYBRID_MOUNTINFO, '/sys/fs/cgroup/cpu/app/cpu.cfs_quota_us': '150000\n', '/sys/fs/cgroup/cpu/app/cpu.cfs_period_us': '100000\n' },
      { count: 2, from: 'cgroup v1 cpu quota 150000/100000' },
    ],
    [
      { '/proc/self/cgroup': HYBRID_CGROUP, '/proc/self/mountinfo': HYBRID_MOUNTINFO, '/sys/fs/cgroup/cpu/app/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/app/cpu.cfs_period_us': '100000\n' },
      { count: 8, from: 'available CPUs' },
    ],
    [
      { '/proc/self/cgroup': DOCKER_V1_CGROUP, '/proc/self/mountinfo': DOCKER_V1_MOUNTINFO, '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '300000\n', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n' },
      { count: 3, from: 'cgroup v1 cpu quota 300000/100000' },
    ],
    // No mount table: v1's cpu tried as mounted here and as Docker mounts it.
    [{ '/proc/self/cgroup': '4:cpu,cpuacct:/\n', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '50000\n', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n' }, { count: 1, from: 'cgroup v1 cpu quota 50000/100000' }],
    [{ '/proc/self/cgroup': '1:cpu:/k\n', '/sys/fs/cgroup/cpu/k/cpu.cfs_quota_us': '250000\n', '/sys/fs/cgroup/cpu/k/cpu.cfs_period_us': '100000\n' }, { count: 3, from: 'cgroup v1 cpu quota 250000/100000' }],
    [{}, { count: 8, from: 'available CPUs' }], // no /proc
    // A quota above the CPUs this process may run on counts those CPUs.
    [{ '/proc/self/cgroup': V2_CGROUP, '/proc/self/mountinfo': V2_MOUNTINFO, '/sys/fs/cgroup/cpu.max': '1600000 100000\n' }, { count: 8, from: 'available CPUs, fewer than the cgroup v2 cpu.max 1600000 100000' }],
    // A parent's quota binds the child: the tightest on the way up counts.
    [
      { '/proc/self/cgroup': '0::/pod/app\n', '/proc/self/mountinfo': V2_MOUNTINFO, '/sys/fs/cgroup/pod/app/cpu.max': '400000 100000\n', '/sys/fs/cgroup/pod/cpu.max': '100000 100000\n' },
      { count: 1, from: 'cgroup v2 cpu.max 100000 100000 of a parent cgroup' },
    ],
    [
      { '/proc/self/cgroup': HYBRID_CGROUP, '/proc/self/mountinfo': HYBRID_MOUNTINFO, '/sys/fs/cgroup/cpu/app/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '300000\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' },
      { count: 3, from: 'cgroup v1 cpu quota 300000/100000 of a parent cgroup' },
    ],
  ])('reads the files in order: %j', (entries, expected) => {
    expect(count(entries)).toEqual(expected);
  });

  it('never counts less than 1', () => {
    expect(count({}, 0)).toEqual({ count: 1, from: 'available CPUs' });
  });

  it("reads this machine's files without failing", () => {
    const counted = containerCpus();
    expect(counted.count).toBeGreaterThanOrEqual(1);
    if (counted.from === 'available CPUs') expect(counted.count).toBe(availableParallelism());
    else expect(readFileSync('/proc/self/cgroup', 'utf8')).toMatch(/cpu/);
  });

  // The kernel's own files, in a cgroup made here with a quota (cgroup v1 `cpu`, writable on these machines).
  const V1_CPU = '/sys/fs/cgroup/cpu';
  const canMakeCgroup = (() => {
    try {
      return readFileSync('/proc/self/mountinfo', 'utf8').includes(' - cgroup cgroup rw,cpu') && (mkdirSync(`${V1_CPU}/tsinit-probe-${process.pid}`), rmdirSync(`${V1_CPU}/tsinit-probe-${process.pid}`), true);
    } catch {
      return false;
    }
  })();
  it.skipIf(!canMakeCgroup)("reads a real cgroup v1 quota: 150000 over 100000 is 2, -1 is the machine's CPUs", () => {
    const name = `tsinit-cpu-count-${process.pid}`;
    mkdirSync(`${V1_CPU}/${name}`);
    try {
      const read = (path: string) => (path === '/proc/self/cgroup' ? `1:cpu:/${name}\n0::/\n` : readText(path));
      expect(containerCpus(read)).toEqual({ count: availableParallelism(), from: 'available CPUs' });
      writeFileSync(`${V1_CPU}/${name}/cpu.cfs_quota_us`, '150000');
      expect(containerCpus(read)).toEqual({ count: 2, from: 'cgroup v1 cpu quota 150000/100000' });
    } finally {
      rmdirSync(`${V1_CPU}/${name}`);
    }
  });
});

