import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** The built CLI, as users run it. */
export const CLI = path.resolve(__dirname, '../dist/cli.js');

/** Small programs the tests run as CMD. */
export const FIXTURES = path.resolve(__dirname, 'fixtures');

/** A process as the kernel shows it in /proc/<pid>/stat. */
export interface ProcInfo {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
}

/** A started command with its output collected. */
export interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process exited and its output is read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `unshare --pid --fork --mount-proc node CLI ...args`: tsinit as a real PID 1. */
export function startInit(args: string[], stdio: StdioOptions = 'pipe'): Started {
  return startCommand(['unshare', '--pid', '--fork', '--mount-proc', process.execPath, CLI, ...args], stdio);
}

/** Starts any command with stdout and stderr collected. */
export function startCommand([file, ...args]: string[], stdio: StdioOptions = 'pipe'): Started {
  const child = spawn(file, args, { stdio });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => (err += chunk));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, closed };
}

/** Runs tsinit as PID 1 to the end. */
export async function runInit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const started = startInit(args);
  const { code } = await started.closed;
  return { code, stdout: started.stdout(), stderr: started.stderr() };
}

/** Polls until `check` returns a truthy value, or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** /proc/<pid>/stat, or undefined once the process is gone. */
export function procInfo(pid: number): ProcInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(')');
  const [state, ppid, pgrp] = stat.slice(close + 2).split(' ');
  return { pid, comm: stat.slice(stat.indexOf('(') + 1, close), state, ppid: Number(ppid), pgrp: Number(pgrp) };
}

/** Every process on the host, as the kernel shows it now. */
export function allProcesses(): ProcInfo[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => procInfo(Number(name)))
    .filter((info): info is ProcInfo => info !== undefined);
}

/** The processes whose parent is `pid`. */
export function childrenOf(pid: number): ProcInfo[] {
  return allProcesses().filter((info) => info.ppid === pid);
}

/** Host pid of the tsinit that `unshare --fork` started (PID 1 in its namespace). */
export function initPidOf(started: Started): Promise<number> {
  return waitFor('tsinit to start', () => childrenOf(started.child.pid!)[0]?.pid);
}

/** Every process in the PID namespace of `pid`, the init included. */
export function namespaceProcesses(pid: number): ProcInfo[] {
  const namespace = readlinkSync(`/proc/${pid}/ns/pid`);
  return allProcesses().filter((info) => {
    try {
      return readlinkSync(`/proc/${info.pid}/ns/pid`) === namespace;
    } catch {
      return false;
    }
  });
}

/** The `Name:\tvalue` lines of a /proc/<pid>/status text, as a map. */
export function parseStatus(text: string): Map<string, string> {
  return new Map(text.split('\n').filter(Boolean).map((line) => line.split(/:\s*/, 2) as [string, string]));
}
