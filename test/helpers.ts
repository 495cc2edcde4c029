import { execFileSync, spawn, type StdioOptions } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { detectLibc } from '../src/platform/native';
import { listProcesses, openFiles, type ProcessInfo } from '../src/platform/process-tree';

/** The built CLI, as users run it. */
export const CLI = path.resolve(__dirname, '../dist/cli.js');

/** Small programs the tests run as CMD. */
export const FIXTURES = path.resolve(__dirname, 'fixtures');

/** CMD that prints "ready", then the number of each signal it gets (see the fixture). */
export const RECORDER = ['python3', path.join(FIXTURES, 'record-signals.py')];

/** The prefix that makes tsinit a real PID 1 in a new PID namespace. */
export const AS_PID_1 = ['unshare', '--pid', '--fork', '--mount-proc', process.execPath, CLI];

/** How to start a command: its stdio, extra environment variables, working directory. */
export interface StartOptions {
  stdio?: StdioOptions;
  env?: Record<string, string>;
  cwd?: string;
}

/** A started command with its output collected. */
export type Started = ReturnType<typeof startCommand>;

/** Starts any command with stdout and stderr collected. */
export function startCommand([file, ...args]: string[], { stdio = 'pipe', env = {}, cwd }: StartOptions = {}) {
  const child = spawn(file, args, { stdio, cwd, env: { ...process.env, ...env } });
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

/** Runs `unshare --pid --fork --mount-proc node CLI ...args`: tsinit as a real PID 1. */
export function startInit(args: string[], options?: StartOptions): Started {
  return startCommand([...AS_PID_1, ...args], options);
}

/**
 * Runs `script` with sh as PID 1 of a new namespace, where it execs tsinit ($TSINIT): sh can
 * write bytes Node's spawn cannot. Resolves with its stdout.
 */
export async function inShell(script: string, env: Record<string, string> = {}): Promise<string> {
  const started = startCommand([...AS_PID_1.slice(0, 4), 'sh', '-c', script], { env: { TSINIT: `${process.execPath} ${CLI}`, ...env } });
  await started.closed;
  return started.stdout();
}

/** Runs any command to its end, with `input` on its stdin if given: its exit code and output. */
export async function runCommand(command: string[], { input, ...options }: StartOptions & { input?: string | Buffer } = {}) {
  const started = startCommand(command, options);
  if (input !== undefined) started.child.stdin!.end(input);
  const { code } = await started.closed;
  return { code, stdout: started.stdout(), stderr: started.stderr() };
}

/** Runs tsinit as PID 1 to the end. */
export function runInit(args: string[], options?: StartOptions) {
  return runCommand([...AS_PID_1, ...args], options);
}

/** Polls until `check` returns a truthy value, or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The processes whose parent is `pid`. */
export function childrenOf(pid: number): ProcessInfo[] {
  return listProcesses().filter((info) => info.ppid === pid);
}

/** Host pid of the tsinit that `unshare --fork` started (PID 1 in its namespace). */
export function initPidOf(started: Started): Promise<number> {
  return waitFor('tsinit to start', () => childrenOf(started.child.pid!)[0]?.pid);
}

/** Every process in the PID namespace of `pid`, the init included. */
export function namespaceProcesses(pid: number): ProcessInfo[] {
  const namespace = readlinkSync(`/proc/${pid}/ns/pid`);
  return listProcesses().filter((info) => {
    try {
      return readlinkSync(`/proc/${info.pid}/ns/pid`) === namespace;
    } catch {
      return false;
    }
  });
}

/** The sockets `pid` has open besides 0-2 (the test's own stdio socketpairs): the inspector's port; none once gone. */
export function socketsOf(pid: number): string[] {
  try {
    return openFiles(pid).filter(({ fd, target }) => fd > 2 && target.startsWith('socket:')).map(({ target }) => target);
  } catch {
    return [];
  }
}

/** The `Name:\tvalue` lines of a /proc/<pid>/status text, as a map. */
export function parseStatus(text: string): Map<string, string> {
  return new Map(text.split('\n').filter(Boolean).map((line) => line.split(/:\s*/, 2) as [string, string]));
}

/** tsinit as PID 1 running the signal recorder (or `args`), ready, with what it recorded. */
export async function startRecorder(args: string[] = ['--', ...RECORDER], options?: StartOptions) {
  const init = startInit(args, options);
  const lines = () => init.stdout().split('\n');
  await waitFor('the recorder to be ready', () => lines().includes('ready'));
  const pid = await initPidOf(init);
  const received = () => lines().filter((line) => /^\d+$/.test(line)).map(Number);
  const stop = async () => {
    process.kill(pid, 'SIGKILL');
    await init.closed;
  };
  return { init, pid, received, stop };
}

/**
 * A new cgroup below this process's own, with `controller` (cgroup v1's hierarchy of it, or v2
 * with it delegated): its directory, the version, and the command prefix that runs a command in it.
 */
export function makeCgroup(controller: 'cpu' | 'memory' | 'pids', name: string) {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((line) => line.split(':'));
  const v1 = lines.find(([, controllers]) => controllers?.split(',').includes(controller));
  const dir = v1 ? path.join('/sys/fs/cgroup', controller, v1[2], name) : path.join('/sys/fs/cgroup', lines.find(([id]) => id === '0')![2], name);
  mkdirSync(dir);
  const enter = ['sh', '-c', `echo $$ > ${dir}/cgroup.procs && exec "$@"`, 'sh'];
  return { dir, version: v1 ? 1 : 2, enter };
}

/** Runs what follows as uid and gid 1000, no other groups. */
export const SETPRIV_1000 = ['setpriv', '--reuid=1000', '--regid=1000', '--clear-groups'];

/**
 * tsinit to run as uid 1000 (with SETPRIV_1000 and TSINIT_NATIVE_LIBRARY_PATH=addon), and a
 * setuid-root helper whose command runs as root through and through (as a daemon that gained
 * root), which tsinit may then not signal (EPERM). Copies in a 0755 directory of their own: uid
 * 1000 may not reach into this checkout (a clone in a 0700 directory).
 */
export function asUser1000() {
  const dir = readableDirectory();
  const becomeRoot = path.join(dir, 'become-root');
  execFileSync('cc', ['-O2', '-o', becomeRoot, path.join(FIXTURES, 'become-root.c')]);
  chmodSync(becomeRoot, 0o4755);
  const cli = path.join(dir, 'cli.js');
  const addon = path.join(dir, 'tsinit.node');
  copyFileSync(CLI, cli);
  copyFileSync(BUILT_ADDON, addon);
  return { dir, cli, addon, becomeRoot };
}

/** The addon as native/build.sh leaves it at the package root, for this machine. */
export const BUILT_ADDON = path.resolve(__dirname, '..', `tsinit.linux-${process.arch}-${detectLibc()}.node`);

/** A copy of the built addon that any user may load: this checkout may sit in a 0700 directory (mktemp -d). */
export function addonForAnyUser(): string {
  const addon = path.join(readableDirectory(), 'tsinit.node');
  copyFileSync(BUILT_ADDON, addon);
  return addon;
}

// A new directory of ours that every user may enter and read.
function readableDirectory(): string {
  const dir = tempDir('tsinit-');
  chmodSync(dir, 0o755);
  return dir;
}

/** A new directory tmpdir()/<prefix>XXXXXX, removed with what is in it once the test ends (after killWhenDone's kills, registered later): runs leave no litter in /tmp. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5 }));
  return dir;
}

/**
 * SIGKILLs these processes when the test ends, passed or failed, if they are still there: a
 * failed test leaves nothing running (a PID namespace's init takes its whole namespace along).
 */
export function killWhenDone(...pids: number[]): void {
  onTestFinished(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
}
