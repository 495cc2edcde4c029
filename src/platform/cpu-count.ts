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
 * The CPUs the container's cgroup grants: cgroup v2 `cpu.max`, else cgroup v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`, each rounded up; else the CPUs this process may run
 * on (`os.availableParallelism()`, the affinity mask); never less than 1. Reads files only.
 */
export function containerCpus(read: ReadText = readText, available: () => number = availableParallelism): CpuCount {
  const paths = cgroupPaths(read('/proc/self/cgroup') ?? '');
  const mountinfo = read('/proc/self/mountinfo');
  const mounts = mountinfo === undefined ? DEFAULT_MOUNTS : cgroupMounts(mountinfo);
  if (paths.v2 !== undefined) {
    for (const dir of cgroupDirs(mounts.v2, paths.v2)) {
      const quota = cpuMaxQuota(read(`${dir}/cpu.max`));
      if (typeof quota === 'object') return { count: quotaCpus(quota), from: `cgroup v2 cpu.max ${quota.quota} ${quota.period}` };
      if (quota === 'none') break;
    }
  }
  if (paths.v1Cpu !== undefined) {
    for (const dir of cgroupDirs(mounts.v1Cpu, paths.v1Cpu)) {
      const quota = cfsQuota(read(`${dir}/cpu.cfs_quota_us`), read(`${dir}/cpu.cfs_period_us`));
      if (typeof quota === 'object') return { count: quotaCpus(quota), from: `cgroup v1 cpu quota ${quota.quota}/${quota.period}` };
      if (quota === 'none') break;
    }
  }
  return { count: Math.max(1, available()), from: 'available CPUs' };
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
