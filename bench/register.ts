// `npm run bench:register [-- --quick]`: a Node HTTP app (bench/register-app.js) as PID 1 of a new
// PID namespace, four ways: `node -r dist/register.js app.js`, `tsinit -- node app.js`, `tini --
// node app.js`, and bare `node app.js` (reaps nothing). Runs interleaved; medians with min-max and
// the ratio to tini: start to the first answer, memory of the namespace, CPU per reaped orphan.
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import minimist from 'minimist';
import { childrenOf, CLI, namespaceProcesses, startCommand, waitFor, type Started } from '../test/helpers';
import { cpuNs, NAMESPACE } from './figures';
import { ask, freePort, memoryMB } from './pool-load';

// `--quick`: a short run that only proves the bench works; anything else is a usage error.
const { quick } = minimist(process.argv.slice(2), {
  boolean: ['quick'],
  unknown: (arg) => {
    console.error(`bench:register: unknown argument ${arg} (want --quick or nothing)`);
    process.exit(2);
  },
});
// settleMs: from the first answer to the memory figure (tsinit releases its clean pages at 2 s).
const SIZES = quick ? { runs: 1, orphans: 200, settleMs: 500 } : { runs: 7, orphans: 2000, settleMs: 2500 };
const NODE = process.execPath;
const ROOT = path.join(__dirname, '..'); // run from dist/
const APP = path.join(ROOT, 'bench', 'register-app.js');
const HELPER = path.join(__dirname, 'bench-helper');

/** A way to run the app; `apart`: the init is a process of its own, the app its child. */
interface Way {
  name: string;
  command: string[];
  apart: boolean;
}
const WAYS: Way[] = [
  { name: 'register', command: [NODE, '-r', path.join(ROOT, 'dist', 'register.js'), APP], apart: false },
  { name: 'tsinit', command: [NODE, CLI, '--', NODE, APP], apart: true },
  { name: 'tini', command: ['tini', '--', NODE, APP], apart: true },
  { name: 'bare node', command: [NODE, APP], apart: false },
];
const BARE = 'bare node';

// What is running: SIGKILL to the namespace's PID 1 ends every process in it; --kill-child
// ends PID 1 if only unshare is known.
const live = new Set<{ started: Started; pid1?: number }>();
function kill(pid: number | undefined): void {
  try {
    if (pid) process.kill(pid, 'SIGKILL');
  } catch {}
}
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    for (const { started, pid1 } of live) [pid1, started.child.pid].forEach(kill);
    process.exit(130);
  });
}

function get(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

type Figures = Record<string, number>;

async function measure(way: Way): Promise<Figures> {
  const port = await freePort();
  const startedAt = performance.now();
  const started = startCommand([...NAMESPACE, '--kill-child', ...way.command], { env: { PORT: String(port), HELPER } });
  const entry: { started: Started; pid1?: number } = { started };
  live.add(entry);
  let ended = false;
  started.closed.then(
    () => (ended = true),
    () => (ended = true),
  );
  const figures: Figures = {};
  try {
    // Start: polled on a new connection every 1 ms from before unshare is spawned.
    let answer = await ask(port, false, 1000);
    while (!('pid' in answer)) {
      if (ended) throw new Error(`${way.name} ended before answering:\n${started.stderr()}`);
      if (performance.now() - startedAt > 15_000) throw new Error(`${way.name}: no answer in 15 s (${answer.error})`);
      await sleep(1);
      answer = await ask(port, false, 1000);
    }
    figures['start -> first answer (ms)'] = performance.now() - startedAt;
    if ((answer.pid === 1) === way.apart) throw new Error(`${way.name}: the app answered as pid ${answer.pid}`);
    const pid1 = (entry.pid1 = childrenOf(started.child.pid!)[0].pid);
    const app = way.apart ? childrenOf(pid1)[0].pid : pid1;

    await sleep(SIZES.settleMs);
    const processes = namespaceProcesses(pid1);
    const memory = processes.map((info) => memoryMB(info.pid));
    figures['RSS, all processes (MB)'] = memory.reduce((sum, one) => sum + one.rss, 0);
    figures['USS, all processes (MB)'] = memory.reduce((sum, one) => sum + one.uss, 0);
    figures.processes = processes.length;

    // The storm: the init's CPU; an init apart is charged the app's too (it spawns the helper).
    const measured = way.apart ? [pid1, app] : [pid1];
    const cpu = () => measured.reduce((sum, pid) => sum + cpuNs(pid), 0);
    const [before, appBefore] = [cpu(), cpuNs(app)];
    const zombies = () => namespaceProcesses(pid1).filter((info) => info.state === 'Z').length;
    const running = () => namespaceProcesses(pid1).filter((info) => info.state !== 'Z').length;
    const left = way.name === BARE ? SIZES.orphans : 0; // bare node reaps none
    const code = await get(port, `/orphans?n=${SIZES.orphans}`);
    if (code.trim() !== '0') throw new Error(`${way.name}: the orphan storm exited ${code.trim()}`);
    await waitFor(`${way.name}: the orphans to end`, () => running() === measured.length && zombies() === left, 120_000);
    figures['CPU per orphan (µs)'] = (cpu() - before) / 1e3 / SIZES.orphans;
    figures["CPU per orphan, the app's process (µs)"] = (cpuNs(app) - appBefore) / 1e3 / SIZES.orphans;
    figures['zombies left'] = zombies();
  } finally {
    kill(entry.pid1 ?? started.child.pid);
    await started.closed.catch(() => undefined);
    live.delete(entry);
  }
  return figures;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => sorted(values)[Math.floor(values.length / 2)];
function cell(values: number[], tini: number | undefined): string {
  const m = median(values);
  const digits = Number.isInteger(m) || Math.abs(m) >= 100 ? 0 : Math.abs(m) >= 10 ? 1 : 2;
  const [low, high] = [sorted(values)[0], sorted(values).at(-1)!];
  const range = low !== high ? ` (${low.toFixed(digits)}-${high.toFixed(digits)})` : '';
  return `${m.toFixed(digits)}${range}${tini ? ` ×${(m / tini).toFixed(2)}` : ''}`;
}

async function main(): Promise<void> {
  delete process.env.NODE_EXTRA_CA_CERTS; // it triples Node's start on these machines: unset for every process started
  const date = new Date().toISOString().slice(0, 10);
  console.log(`# ${quick ? 'quick ' : ''}register benchmark, ${date}, ${cpus().length} × ${cpus()[0].model}, Node ${process.version}, load ${loadavg()[0].toFixed(1)}`);
  console.log(`${SIZES.runs} run(s), the ways in turn (rotated each run); ${SIZES.orphans} orphans a storm; memory ${SIZES.settleMs} ms after the first answer`);
  const values: Record<string, Record<string, number[]>> = {};
  for (let run = 0; run < SIZES.runs; run++) {
    for (const way of [...WAYS.slice(run % WAYS.length), ...WAYS.slice(0, run % WAYS.length)]) {
      for (const [figure, value] of Object.entries(await measure(way))) ((values[figure] ??= {})[way.name] ??= []).push(value);
    }
  }
  const names = WAYS.map((way) => way.name);
  console.log(`\n| figure | ${names.join(' | ')} |\n|---|${names.map(() => '---|').join('')}`);
  for (const [figure, byWay] of Object.entries(values)) {
    const tini = byWay.tini ? median(byWay.tini) : undefined;
    console.log(`| ${figure} | ${names.map((name) => cell(byWay[name], name === 'tini' ? undefined : tini)).join(' | ')} |`);
  }
  console.log(
    '\nmedian (min-max) ×ratio to tini; NODE_EXTRA_CA_CERTS unset for every process. CPU: schedstat run time (utime+stime in ns)' +
      ' of every thread, during the storm until no zombie is left: the app alone for register and bare node (it is PID 1), the init' +
      ' plus the app for tsinit and tini. Bare node reaps nothing (its zombies stay): its figure is what the orphans\' SIGCHLDs cost a Node PID 1.',
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    for (const { started, pid1 } of live) [pid1, started.child.pid].forEach(kill);
    process.exit(1);
  },
);
