// `npm run bench [-- --quick]`: tsinit, tini, dumb-init and catatonit side by side, each as PID 1
// in a fresh PID namespace, interleaved, figures as medians with min-max and the ratio to tini.
import { cpus } from 'node:os';
import path from 'node:path';
import minimist from 'minimist';
import { detectLibc } from '../src/platform/native';
import { SIGCHLD } from '../src/platform/signals';
import { CLI } from '../test/helpers';
import { exitLatency, firstSignalAfterIdle, forwardLatencies, idleFigures, NAMESPACE, orphanStorm, timeRun, type Init } from './figures';

// `--quick`: a small run that only checks the benchmark works (CI runs it); anything else is a usage error.
const { quick } = minimist(process.argv.slice(2), {
  boolean: ['quick'],
  unknown: (arg) => {
    console.error(`bench: unknown argument ${arg} (want --quick or nothing)`);
    process.exit(2);
  },
});
const SIZES = quick
  ? { runs: 3, exits: 2, rounds: 1, signals: 20, orphans: 500, idleMs: 500, afterIdle: 2 }
  : { runs: 20, exits: 10, rounds: 3, signals: 100, orphans: 20_000, idleMs: 3000, afterIdle: 4 };
// Every figure but start-up is taken in the steady state: past tsinit's release of its clean pages at 2 s.
const SETTLE_MS = 2500;
// The quiet before the first signal: long enough for caches and the CPU to go cold.
const QUIET_MS = 1000;
const HELPER = path.join(__dirname, 'bench-helper');
const NODE_IDLE = [process.execPath, '-e', 'setInterval(() => {}, 2 ** 31 - 1)'];
// Node's floors: the least any init on Node and our addon can take. For start-up: load the addon,
// spawn /bin/true with it and exit at its end, as tsinit's fast exit does, with no init work.
// For the exit: settle as CMD does, print the clock, then _exit through the addon as tsinit does.
const ADDON = path.join(__dirname, '..', `tsinit.linux-${process.arch}-${detectLibc()}.node`);
const NODE_START = [
  process.execPath,
  '-e',
  `const n = require(${JSON.stringify(ADDON)}); n.catchSignals([${SIGCHLD}], []); n.watchSignals(() => n.exit(0)); const { pid } = n.spawn([Buffer.from('/bin/true')], [Buffer.from('true')], { newSession: false, foreground: false }); const codes = (length, from = 0) => Array.from({ length }, (_, i) => from + i); n.armFastPath({ targets: [pid], group: false, forwardAs: codes(65).fill(0), reapOrphans: true, report: false, exit: { exitCodes: codes(256), signalCodes: codes(65, 128), always: true } })`,
];
const NODE_EXIT = [process.execPath, '-e', `setTimeout(() => { const { exit } = require(${JSON.stringify(ADDON)}); require('fs').writeSync(1, process.hrtime.bigint() + '\\n'); exit(0) }, ${SETTLE_MS})`];

const INITS: Init[] = [
  { name: 'tsinit', command: [process.execPath, CLI, '--'] },
  { name: 'tini', command: ['tini', '--'] },
  { name: 'dumb-init', command: ['dumb-init', '--'] },
  { name: 'catatonit', command: ['catatonit', '--'] },
];

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const quantile = (values: number[], q: number) => sorted(values)[Math.min(values.length - 1, Math.floor(q * values.length))];
const median = (values: number[]) => quantile(values, 0.5);

type Row = { figure: string; unit: string; values: Record<string, number[]> };
const rows: Row[] = [];
function record(figure: string, unit: string, name: string, value: number | number[]): void {
  let row = rows.find((candidate) => candidate.figure === figure);
  if (!row) rows.push((row = { figure, unit, values: {} }));
  (row.values[name] ??= []).push(...([] as number[]).concat(value));
}

function cell(values: number[] | undefined, tini: number | undefined): string {
  if (!values) return '';
  const m = median(values);
  const digits = Math.abs(m) >= 100 ? 0 : Math.abs(m) >= 10 ? 1 : 2;
  const range = values.length > 1 ? ` (${sorted(values)[0].toFixed(digits)}-${sorted(values).at(-1)!.toFixed(digits)})` : '';
  const ratio = tini ? ` ×${(m / tini).toFixed(2)}` : '';
  return `${m.toFixed(digits)}${range}${ratio}`;
}

async function main(): Promise<void> {
  delete process.env.NODE_EXTRA_CA_CERTS; // it triples Node's start on these machines; no init needs it
  console.log(`# ${quick ? 'quick ' : ''}benchmark, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0].model}, Node ${process.version}`);

  for (let run = 0; run < SIZES.runs; run++) {
    const namespaceMs = timeRun([...NAMESPACE, '/bin/true']);
    record('startup overhead', 'ms', 'node -e 0', timeRun([...NAMESPACE, process.execPath, '-e', '0']) - namespaceMs);
    record('startup overhead', 'ms', 'Node floor', timeRun([...NAMESPACE, ...NODE_START]) - namespaceMs);
    for (const init of INITS) record('startup overhead', 'ms', init.name, timeRun([...NAMESPACE, ...init.command, '/bin/true']) - namespaceMs);
  }
  for (let run = 0; run < SIZES.exits; run++) {
    record('child exit -> init gone', 'ms', 'Node floor', exitLatency([...NAMESPACE, ...NODE_EXIT]));
    for (const init of INITS) record('child exit -> init gone', 'ms', init.name, exitLatency([...NAMESPACE, ...init.command, HELPER, 'exit-after', String(SETTLE_MS)]));
  }

  const idleNode = await idleFigures(undefined, NODE_IDLE, SETTLE_MS, SIZES.idleMs);
  record('RSS', 'MB', 'node idle', idleNode.rssMB);
  record('Pss', 'MB', 'node idle', idleNode.pssMB);
  record('USS', 'MB', 'node idle', idleNode.ussMB);
  record('threads', '', 'node idle', idleNode.threads);
  record('idle wake-ups', '/s', 'node idle', idleNode.wakeupsPerS);
  for (const init of INITS) {
    const idle = await idleFigures(init, ['sleep', '1000'], SETTLE_MS, SIZES.idleMs);
    record('RSS', 'MB', init.name, idle.rssMB);
    record('Pss', 'MB', init.name, idle.pssMB);
    record('USS', 'MB', init.name, idle.ussMB);
    record('threads', '', init.name, idle.threads);
    record('idle wake-ups', '/s', init.name, idle.wakeupsPerS);
  }

  // In rounds, each init in turn: a burst of this machine's noise lands on one init's round, not on
  // all of its signals.
  const pooled = INITS.map(() => ({ latencies: [] as number[], cpuPerSignalUs: [] as number[], afterIdle: [] as number[] }));
  for (let round = 0; round < SIZES.rounds; round++) {
    for (const [i, init] of INITS.entries()) {
      const forwarded = await forwardLatencies(init, HELPER, SETTLE_MS, SIZES.signals);
      pooled[i].latencies.push(...forwarded.latencies);
      pooled[i].cpuPerSignalUs.push(forwarded.cpuPerSignalUs);
      pooled[i].afterIdle.push(...(await firstSignalAfterIdle(init, HELPER, SETTLE_MS, QUIET_MS, SIZES.afterIdle)));
    }
  }
  for (const [i, init] of INITS.entries()) {
    record('signal forward median', 'µs', init.name, median(pooled[i].latencies));
    record('signal forward p99', 'µs', init.name, quantile(pooled[i].latencies, 0.99));
    record('init CPU per forwarded signal', 'µs', init.name, pooled[i].cpuPerSignalUs);
    record(`first SIGTERM after ${QUIET_MS / 1000} s idle`, 'µs', init.name, pooled[i].afterIdle);
  }

  for (const init of INITS) {
    const storm = await orphanStorm(init, HELPER, SETTLE_MS, SIZES.orphans);
    record(`orphans reaped (${SIZES.orphans} storm)`, '/s', init.name, storm.orphansPerS);
    record('init CPU per orphan', 'µs', init.name, storm.cpuPerOrphanUs);
    record('peak zombies', '', init.name, storm.peakZombies);
  }

  const names = ['tsinit', 'tini', 'dumb-init', 'catatonit', 'node -e 0', 'Node floor', 'node idle'];
  console.log(`\n| figure | ${names.join(' | ')} |\n|---|${names.map(() => '---|').join('')}`);
  for (const row of rows) {
    const tini = row.values.tini ? median(row.values.tini) : undefined;
    const cells = names.map((name) => cell(row.values[name], name === 'tini' ? undefined : tini));
    console.log(`| ${row.figure}${row.unit ? ` (${row.unit})` : ''} | ${cells.join(' | ')} |`);
  }
  console.log('\nmedian (min-max) ×ratio to tini; NODE_EXTRA_CA_CERTS unset for every run');
  const startup = rows.find((row) => row.figure === 'startup overhead')!.values;
  const ofNode = (name: string) => (median(startup[name]) / median(startup['node -e 0'])).toFixed(2);
  console.log(`startup: tsinit ×${ofNode('tsinit')}, Node floor ×${ofNode('Node floor')} of node -e 0`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
