import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** How many CPUs this container may use, and where that came from (said at -v). */
export interface CpuCount {
  count: number;
  from: string;
}

/** A CPU quota: `quota` microseconds of CPU time every `period`; `none`: no quota; undefined: not this file (missing, unreadable, malformed). */
export type CpuQuota = { quota: number; period: number } | 'none' | undefined;

/** Where this process's cgroup lies in each hierarchy, from /proc/self/cgroup: v2's `0::/PATH`, v1's line whose controllers include `cpu`. */
export interface CgroupPaths {
  v2?: string;
  v1Cpu?: string;
}

/** A cgroup hierarchy mounted: where (`point`), and which of its cgroups is at the mount point (`root`: not `/` in a container without its own cgroup namespace). */
export interface CgroupMount {
  root: string;
  point: string;
}

/** The cgroup filesystems of /proc/self/mountinfo: the v2 ones, and the v1 ones carrying the `cpu` controller. */
export interface CgroupMounts {
  v2: CgroupMount[];
  v1Cpu: CgroupMount[];
}

// Where cgroups are mounted when the mount table cannot be read: v2 alone, v1's cpu as Docker
// mounts it (`cpu,cpuacct` with a `cpu` link) and as this project's machines do (`cpu` alone).
const DEFAULT_MOUNTS: CgroupMounts = {
  v2: [{ root: '/', point: '/sys/fs/cgroup' }],
  v1Cpu: [
    { root: '/', point: '/sys/fs/cgroup/cpu' },
    { root: '/', point: '/sys/fs/cgroup/cpu,cpuacct' },
  ],
};

/** Reads a file's text, or undefined when it cannot (missing, no permission). */
export type ReadText = (path: string) => string | undefined;

/** A file's text, or undefined when it cannot be read. */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The CPUs the container may use: the tightest CPU quota on the way from this process's cgroup up
 * to its hierarchy's root (cgroup v2 `cpu.max`, cgroup v1 `cpu.cfs_quota_us` /
 * `cpu.cfs_period_us`; a parent's quota binds its children too), rounded up, and never more than
 * the CPUs this process may run on (`os.availableParallelism()`, the affinity mask), which is also
 * the count without a quota; never less than 1. Reads files only.
 */
export function containerCpus(read: ReadText = readText, available: () => number = availableParallelism): CpuCount {
  const paths = cgroupPaths(read('/proc/self/cgroup') ?? '');
  const mountinfo = read('/proc/self/mountinfo');
  const mounts = mountinfo === undefined ? DEFAULT_MOUNTS : cgroupMounts(mountinfo);
  const cpus = Math.max(1, available());
  const quota = tightestQuota(read, mounts, paths);
  if (quota === undefined) return { count: cpus, from: 'available CPUs' };
  if (quotaCpus(quota) > cpus) return { count: cpus, from: `available CPUs, fewer than the ${quota.from}` };
  return { count: quotaCpus(quota), from: quota.from };
}

// The smallest quota of the cgroup and its ancestors, v2's and v1's alike.
function tightestQuota(read: ReadText, mounts: CgroupMounts, paths: CgroupPaths): { quota: number; period: number; from: string } | undefined {
  const found: { quota: number; period: number; from: string }[] = [];
  for (const [dir, own] of paths.v2 === undefined ? [] : withAncestors(mounts.v2, paths.v2)) {
    const quota = cpuMaxQuota(read(`${dir}/cpu.max`));
    if (typeof quota === 'object') found.push({ ...quota, from: `cgroup v2 cpu.max ${quota.quota} ${quota.period}${own ? '' : ' of a parent cgroup'}` });
  }
  for (const [dir, own] of paths.v1Cpu === undefined ? [] : withAncestors(mounts.v1Cpu, paths.v1Cpu)) {
    const quota = cfsQuota(read(`${dir}/cpu.cfs_quota_us`), read(`${dir}/cpu.cfs_period_us`));
    if (typeof quota === 'object') found.push({ ...quota, from: `cgroup v1 cpu quota ${quota.quota}/${quota.period}${own ? '' : ' of a parent cgroup'}` });
  }
  return found.reduce<(typeof found)[number] | undefined>((tightest, quota) => (tightest === undefined || quota.quota / quota.period < tightest.quota / tightest.period ? quota : tightest), undefined);
}

// Each directory the cgroup appears as under a mount, then its parents up to the mount point;
// true for the cgroup's own.
function withAncestors(mounts: CgroupMount[], path: string): [string, boolean][] {
  return cgroupDirs(mounts, path).flatMap((dir, index) => {
    const { point } = mounts[index];
    const dirs: [string, boolean][] = [[dir, true]];
    for (let up = dir; up.length > point.length && up.startsWith(`${point}/`); ) {
      up = up.slice(0, up.lastIndexOf('/'));
      dirs.push([up, false]);
    }
    return dirs;
  });
}

/** Whole CPUs for a quota, rounded up (1.5 CPUs of time keep 2 busy); at least 1. */
export function quotaCpus({ quota, period }: { quota: number; period: number }): number {
  return Math.max(1, Math.ceil(quota / period));
}

/** cgroup v2 `cpu.max`: `max PERIOD` is no quota, `QUOTA PERIOD` one; anything else (a missing file) undefined. */
export function cpuMaxQuota(text: string | undefined): CpuQuota {
  const match = text === undefined ? null : /^(max|\d+)(?: (\d+))?\n?$/.exec(text);
  if (match === null) return undefined;
  if (match[1] === 'max') return 'none';
  return quotaOf(Number(match[1]), Number(match[2] ?? DEFAULT_PERIOD_US));
}

/** cgroup v1 `cpu.cfs_quota_us` (-1: no quota) over `cpu.cfs_period_us`; either missing or malformed: undefined. */
export function cfsQuota(quotaText: string | undefined, periodText: string | undefined): CpuQuota {
  const quota = quotaText === undefined ? null : /^(-1|\d+)\n?$/.exec(quotaText);
  if (quota === null) return undefined;
  if (quota[1] === '-1') return 'none';
  const period = periodText === undefined ? null : /^(\d+)\n?$/.exec(periodText);
  return period === null ? undefined : quotaOf(Number(quota[1]), Number(period[1]));
}

// The kernel's default period, which cpu.max may leave out when written.
const DEFAULT_PERIOD_US = 100_000;

function quotaOf(quota: number, period: number): CpuQuota {
  return quota > 0 && period > 0 ? { quota, period } : undefined;
}

/** This process's cgroups in /proc/self/cgroup (`ID:CONTROLLERS:PATH` lines). */
export function cgroupPaths(text: string): CgroupPaths {
  const paths: CgroupPaths = {};
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(\/.*)$/.exec(line);
    if (match === null) continue;
    if (match[1] === '0' && match[2] === '') paths.v2 = match[3];
    else if (match[2].split(',').includes('cpu')) paths.v1Cpu ??= match[3];
  }
  return paths;
}

/** The cgroup mounts of /proc/self/mountinfo: `ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPEROPTIONS`. */
export function cgroupMounts(text: string): CgroupMounts {
  const mounts: CgroupMounts = { v2: [], v1Cpu: [] };
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash === -1 || fields.length < dash + 4) continue;
    const mount = { root: unescapeMountField(fields[3]), point: unescapeMountField(fields[4]) };
    const type = fields[dash + 1];
    if (type === 'cgroup2') mounts.v2.push(mount);
    else if (type === 'cgroup' && fields[dash + 3].split(',').includes('cpu')) mounts.v1Cpu.push(mount);
  }
  return mounts;
}

/** The directories a cgroup at `path` of a hierarchy appears as under its mounts: the mount's root taken off the path, when it starts it. */
export function cgroupDirs(mounts: CgroupMount[], path: string): string[] {
  return mounts.map(({ root, point }) => {
    const inside = root === '/' ? path : path === root ? '/' : path.startsWith(`${root}/`) ? path.slice(root.length) : path;
    return inside === '/' ? point : `${point}${inside}`;
  });
}

// mountinfo writes space, tab, newline and backslash as octal escapes.
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
