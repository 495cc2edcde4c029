// `npm run bench:pool [-- --quick]`: one CPU-bound HTTP handler (bench/pool-server.js, 2 ms of CPU
// per request) served four ways with the same W workers: a single Node process, tsinit --workers
// --listen (as PID 1 of a new PID namespace), Node's cluster, pm2-runtime -i. Load from autocannon,
// then a worker SIGKILLed every second under our own client; one table, ratios to cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import minimist from 'minimist';
import { ask, childrenOf, descendantsOf, freePort, killPhase, type Figures, memoryMB, startTime, steadyFdKinds } from './pool-load';

// `--quick`: a short run that only proves the bench works; `--ways a,b`: only those ways (by name).
const argv = minimist(process.argv.slice(2), {
  boolean: ['quick'],
  string: ['ways'],
  unknown: (arg) => {
    console.error(`bench:pool: unknown argument ${arg} (want --quick, --ways NAME,... or nothing)`);
    process.exit(2);
  },
});
const quick: boolean = argv.quick;
const W = availableParallelism(); // the CPUs this process may run on
const CONNECTIONS = 2 * W;
const SIZES = quick ? { warmS: 0.3, loadS: 1, kills: 2, timeoutMs: 1000 } : { warmS: 2, loadS: 10, kills: 10, timeoutMs: 2000 };
const ROOT = path.join(__dirname, '..'); // run from dist/
const SERVER = path.join(ROOT, 'bench', 'pool-server.js');
const NODE = process.execPath;

interface Way {
  name: string;
  command: (port: number) => string[];
  /** The supervising process, from the spawned one's pid; none for the single process. */
  supervisor?: (root: number) => number | undefined;
}
const WAYS: Way[] = [
  { name: 'single', command: () => [NODE, SERVER] },
  {
    name: 'tsinit',
    command: (port) => ['unshare', '--pid', '--fork', '--mount-proc', '--kill-child', NODE, path.join(ROOT, 'dist', 'cli.js'), '--workers', String(W), '--listen', `tcp:127.0.0.1:${port}`, '--', NODE, SERVER],
    supervisor: (root) => childrenOf(root)[0],
  },
  { name: 'cluster', command: () => [NODE, path.join(ROOT, 'bench', 'pool-cluster.js')], supervisor: (root) => root },
  { name: 'pm2-runtime', command: () => [NODE, path.join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2-runtime'), '-i', String(W), SERVER], supervisor: (root) => root },
];

/** A started way: its root process, whether it has ended, its output (for a failure's message). */
interface Running {
  child: ChildProcess;
  closed: Promise<void>;
  ended: () => boolean;
  output: () => string;
  home: string;
}
const live = new Set<Running>();

function launch(way: Way, port: number): Running {
  const home = mkdtempSync(path.join(tmpdir(), 'bench-pool-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), WORKERS: String(W), PM2_HOME: home };
  delete env.NODE_EXTRA_CA_CERTS; // it triples Node's start on these machines: every worker's boot
  const [file, ...args] = way.command(port);
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let ended = false;
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve(void (ended = true))));
  const running = { child, closed, ended: () => ended, output: () => output, home };
  live.add(running);
  return running;
}

async function waitFor<T>(what: string, running: Running, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (running.ended()) throw new Error(`ended while waiting for ${what}:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${running.output()}`);
    await sleep(20);
  }
}

/** SIGTERM to the supervisor (or the single server), 3 s, then SIGKILL to every process of the tree seen; waits for all of them. */
async function stop(running: Running, supervisor: number | undefined): Promise<void> {
  const root = running.child.pid!;
  const tree = new Map([root, ...descendantsOf(root)].map((pid) => [pid, startTime(pid)]));
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {}
  };
  if (!running.ended()) signal(supervisor ?? root, 'SIGTERM');
  await Promise.race([running.closed, sleep(3000)]);
  const alive = () => [...tree].filter(([pid, start]) => start !== undefined && startTime(pid) === start).map(([pid]) => pid);
  for (const pid of alive()) signal(pid, 'SIGKILL');
  await running.closed;
  for (let tries = 0; alive().length > 0 && tries < 250; tries++) await sleep(20);
  if (alive().length > 0) console.error(`bench:pool: still alive after SIGKILL: ${alive().join(' ')}`);
  rmSync(running.home, { recursive: true, force: true });
  live.delete(running);
}

// Ctrl-C or a kill of the bench: the finally blocks do not run, so everything started is killed here.
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    for (const running of live) {
      for (const pid of [running.child.pid!, ...descendantsOf(running.child.pid!)].reverse()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      rmSync(running.home, { recursive: true, force: true });
    }
    process.exit(130);
  });
}

async function measure(way: Way): Promise<Figures> {
  const port = await freePort();
  const running = launch(way, port);
  const figures: Figures = {};
  const others: Record<string, number> = {};
  let supervisor: number | undefined;
  try {
    const root = running.child.pid!;
    supervisor = way.supervisor && (await waitFor('the supervisor', running, () => way.supervisor!(root)));
    if (supervisor) await waitFor(`${W} workers`, running, () => childrenOf(supervisor!).length === W);
    await waitFor('a first answer', running, async () => 'pid' in (await ask(port, false, 1000)));
    const url = `http://127.0.0.1:${port}/`;
    await autocannon({ url, connections: CONNECTIONS, duration: SIZES.warmS }); // JIT and every worker listening
    const answers = new Map<string, number>(); // by the pid answering
    const count = (_status: number, body: string) => void answers.set(body, (answers.get(body) ?? 0) + 1);
    const result = await autocannon({ url, connections: CONNECTIONS, duration: SIZES.loadS, requests: [{ method: 'GET', path: '/', onResponse: count }] });
    figures['requests/s'] = result['2xx'] / result.duration;
    figures['latency p50 (ms)'] = result.latency.p50;
    figures['latency p99 (ms)'] = result.latency.p99;
    figures["busiest worker's share of answers (%)"] = (100 * Math.max(...answers.values())) / [...answers.values()].reduce((a, b) => a + b, 0);
    figures['load errors (autocannon)'] = result.errors + result.non2xx;
    if (supervisor) {
      const was = await steadyFdKinds(supervisor);
      const kills = await killPhase(port, supervisor, { ...SIZES, connections: CONNECTIONS, workers: W });
      Object.assign(figures, kills.figures);
      Object.assign(others, kills.other);
      await waitFor(`${W} workers again`, running, () => childrenOf(supervisor!).length === W, 35_000);
      await sleep(500);
      const memory = memoryMB(supervisor);
      figures['supervisor RSS (MB)'] = memory.rss;
      figures['supervisor USS (MB)'] = memory.uss;
      const is = await steadyFdKinds(supervisor);
      const total = (kinds: Record<string, number>) => Object.values(kinds).reduce((a, b) => a + b, 0);
      figures['supervisor fds leaked'] = total(is) - total(was);
      const changed = Object.keys({ ...was, ...is }).filter((kind) => was[kind] !== is[kind]);
      if (changed.length) console.log(`${way.name}: the supervisor's fds before -> after the kills: ${changed.map((kind) => `${kind} ${was[kind] ?? 0} -> ${is[kind] ?? 0}`).join(', ')}`);
    }
  } finally {
    await stop(running, supervisor);
  }
  if (Object.keys(others).length) console.log(`${way.name}: other errors ${JSON.stringify(others)}`);
  return figures;
}

function cell(value: number | undefined, cluster: number | undefined): string {
  if (value === undefined) return '';
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const ratio = cluster ? ` ×${(value / cluster).toFixed(2)}` : '';
  return `${value.toFixed(digits)}${ratio}`;
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  console.log(`# ${quick ? 'quick ' : ''}pool benchmark, ${date}, ${cpus().length} × ${cpus()[0].model}, Node ${process.version}`);
  console.log(`W = ${W} workers (os.availableParallelism()), ${CONNECTIONS} connections, load ${SIZES.loadS} s after ${SIZES.warmS} s of warm-up; ${SIZES.kills} kills 1 s apart, client timeout ${SIZES.timeoutMs} ms`);
  const results: Record<string, Figures> = {};
  const ways = argv.ways ? WAYS.filter((way) => argv.ways.split(',').includes(way.name)) : WAYS;
  if (ways.length === 0) throw new Error(`no way named in --ways ${argv.ways}: ${WAYS.map((way) => way.name).join(', ')}`);
  for (const way of ways) {
    console.log(`${way.name}...`);
    results[way.name] = await measure(way);
  }
  const names = ways.map((way) => way.name);
  const figureNames = [...new Set(names.flatMap((name) => Object.keys(results[name])))];
  console.log(`\n| figure | ${names.join(' | ')} |\n|---|${names.map(() => '---|').join('')}`);
  for (const figure of figureNames) {
    const cluster = results.cluster?.[figure];
    console.log(`| ${figure} | ${names.map((name) => cell(results[name][figure], name === 'cluster' ? undefined : cluster)).join(' | ')} |`);
  }
  console.log('\n×ratio to cluster; the single process is not killed (nothing would restart it); NODE_EXTRA_CA_CERTS unset for every process started');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
