import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A /proc file's bytes, or undefined where /proc is not mounted (a chroot, a bare mount namespace). */
export function readProcFile(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** One process as /proc/<pid>/stat shows it. */
export interface ProcessInfo {
  pid: number;
  name: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  tpgid: number;
  /** Clock ticks after boot when it started: with the pid, names this process and no later one. */
  startTime: number;
}

/** /proc/<pid>/stat, or undefined once the process is gone. */
export function readProcess(pid: number | 'self'): ProcessInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name is in parentheses and may hold spaces and parentheses itself.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' '); // from field 3 (state) on
  const [state, ppid, pgrp, session, , tpgid] = fields;
  return {
    pid: Number(stat.slice(0, stat.indexOf(' '))),
    name: stat.slice(stat.indexOf('(') + 1, close),
    state,
    ppid: Number(ppid),
    pgrp: Number(pgrp),
    session: Number(session),
    tpgid: Number(tpgid),
    startTime: Number(fields[19]), // field 22
  };
}

/** The files a process has open: each fd with what /proc/<pid>/fd links it to. */
export function openFiles(pid: number | 'self'): { fd: number; target: string }[] {
  const files: { fd: number; target: string }[] = [];
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      files.push({ fd: Number(name), target: readlinkSync(`/proc/${pid}/fd/${name}`) });
    } catch {
      // closed meanwhile (the directory's own fd among them)
    }
  }
  return files;
}

/** Every process /proc shows now. */
export function listProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined);
}

/** Whether /proc is this PID namespace's: without it, pids there are not ours to signal. */
export function procIsOurs(): boolean {
  return readProcess('self')?.pid === process.pid;
}

/** Every descendant of `root`, zombies included: what is left to stop when CMD is gone. One /proc scan, linear. */
export function descendantsOf(root: number): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const info of listProcesses()) {
    const siblings = children.get(info.ppid);
    if (siblings) siblings.push(info);
    else children.set(info.ppid, [info]);
  }
  const found: ProcessInfo[] = [];
  const queue = [root];
  for (let next = 0; next < queue.length; next++) {
    for (const child of children.get(queue[next]) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** "12 (sh)", or "12" when the name is unknown (no /proc): a process as log lines name it. */
export function pidAndName(pid: number, name: string | undefined): string {
  return name ? `${pid} (${name})` : `${pid}`;
}

/** "12 (sh), 13 (sleep)": processes as log lines name them. */
export function pidsAndNames(infos: ProcessInfo[]): string {
  return infos.map((info) => pidAndName(info.pid, info.name)).join(', ');
}
