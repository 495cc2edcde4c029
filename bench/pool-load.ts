// The pool benchmark's tools (`npm run bench:pool`): /proc readers for a supervisor and its
// workers, and the kill phase's own client: one keep-alive agent per connection, every failed
// request classified by its error code, and the time from a worker's death to its replacement
// answering.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** The children of a process, every thread's (a supervisor may fork from any of them). */
export function childrenOf(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids.flatMap((tid) => (read(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ').filter(Boolean).map(Number));
}

export function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

/** A process's start time (clock ticks since boot), to tell it from a later process with its pid; undefined once it is gone or a zombie. */
export function startTime(pid: number): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? undefined : fields[19];
}

/** A process's pid in its own PID namespace (tsinit runs as PID 1 of a new one): what the server answers. */
export function innerPid(pid: number): number | undefined {
  const line = /^NSpid:\s*(.*)$/m.exec(read(`/proc/${pid}/status`) ?? '');
  return line ? Number(line[1].trim().split(/\s+/).at(-1)) : undefined;
}

/** Resident and unique (private clean + dirty) memory, from smaps_rollup. */
export function memoryMB(pid: number): { rss: number; uss: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)![1]);
  return { rss: kB('Rss') / 1024, uss: (kB('Private_Clean') + kB('Private_Dirty')) / 1024 };
}

/** A process's open fds counted by kind: `socket`, `pipe`, `anon_inode`, or `file` (a path). */
export function fdKinds(pid: number): Record<string, number> {
  const count: Record<string, number> = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let kind = 'closed';
    try {
      kind = /^(\w+):\[/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? 'file';
    } catch {}
    count[kind] = (count[kind] ?? 0) + 1;
  }
  return count;
}

/** fdKinds at its fewest over 5 looks 100 ms apart: a file a supervisor opens for a moment (pm2 reads /proc/PID/stat) is no leak. */
export async function steadyFdKinds(pid: number): Promise<Record<string, number>> {
  const total = (kinds: Record<string, number>) => Object.values(kinds).reduce((a, b) => a + b, 0);
  let fewest = fdKinds(pid);
  for (let look = 1; look < 5; look++) {
    await sleep(100);
    const kinds = fdKinds(pid);
    if (total(kinds) < total(fewest)) fewest = kinds;
  }
  return fewest;
}

export type Outcome = { pid: number } | { error: string };

/** One GET of the server's pid; `agent: false` for a fresh connection closed after the answer. */
export function ask(port: number, agent: http.Agent | false, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 ? { pid: Number(body) } : { error: `HTTP ${response.statusCode}` }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    // No byte either way for timeoutMs: the connection hangs (no answer, no reset).
    request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error('client timeout'), { code: 'TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

/** What the kill phase's client saw. `firstAnswer`: each pid's first answer (performance.now()). */
export interface Tally {
  answered: number;
  refused: number;
  hung: number;
  reset: number;
  other: Record<string, number>;
  firstAnswer: Map<number, number>;
}

/**
 * `connections` loops asking back to back until stopped: the even ones each with its own keep-alive
 * agent of one socket (one connection, reopened after a failure), the odd ones with a new
 * connection per request (`Connection: close`), as clients that come and go. A failed request is
 * counted by its code and followed by a 10 ms pause, so a refusing server is not asked in a spin.
 */
export function loadLoops(port: number, connections: number, timeoutMs: number) {
  const tally: Tally = { answered: 0, refused: 0, hung: 0, reset: 0, other: {}, firstAnswer: new Map() };
  let stopped = false;
  const loop = async (_: unknown, index: number) => {
    const agent = index % 2 === 0 ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
    while (!stopped) {
      const outcome = await ask(port, agent, timeoutMs);
      if ('pid' in outcome) {
        tally.answered++;
        if (!tally.firstAnswer.has(outcome.pid)) tally.firstAnswer.set(outcome.pid, performance.now());
        continue;
      }
      if (outcome.error === 'ECONNREFUSED') tally.refused++;
      else if (outcome.error === 'TIMEOUT') tally.hung++;
      else if (outcome.error === 'ECONNRESET' || outcome.error === 'EPIPE') tally.reset++;
      else tally.other[outcome.error] = (tally.other[outcome.error] ?? 0) + 1;
      await sleep(10);
    }
    if (agent) agent.destroy();
  };
  const loops = Array.from({ length: connections }, loop);
  return {
    tally,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/**
 * Milliseconds from `killedAt` to the replacement started (the first child of `supervisor` not in
 * `before`, polled every 2 ms) and to it answering (the load's loops or a probe, a fresh connection
 * every 5 ms as a new client would come, get its pid); undefined for what does not happen by `deadline`.
 */
export async function replacement(supervisor: number, before: number[], killedAt: number, tally: Tally, port: number, deadline: number) {
  let pid: number | undefined;
  while (pid === undefined) {
    if (performance.now() > deadline) return { startedMs: undefined, answeredMs: undefined };
    const fresh = childrenOf(supervisor).find((child) => !before.includes(child));
    pid = fresh === undefined ? undefined : innerPid(fresh);
    if (pid === undefined) await sleep(2);
  }
  const startedMs = performance.now() - killedAt;
  while (performance.now() < deadline) {
    const seen = tally.firstAnswer.get(pid);
    if (seen !== undefined) return { startedMs, answeredMs: seen - killedAt };
    const probe = await ask(port, false, 500);
    if ('pid' in probe && probe.pid === pid) return { startedMs, answeredMs: Math.min(performance.now(), tally.firstAnswer.get(pid) ?? Infinity) - killedAt };
    await sleep(5);
  }
  return { startedMs, answeredMs: undefined };
}

export type Figures = Record<string, number | undefined>;
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

/**
 * `kills` workers of `supervisor` SIGKILLed one second apart (the oldest: lowest pid) under
 * `connections` loops; what the client saw, the other errors by code, and the replacements' times.
 */
export async function killPhase(port: number, supervisor: number, sizes: { kills: number; connections: number; timeoutMs: number; workers: number }) {
  const load = loadLoops(port, sizes.connections, sizes.timeoutMs);
  const replacements: ReturnType<typeof replacement>[] = [];
  const start = performance.now();
  try {
    await sleep(500);
    for (let kill = 0; kill < sizes.kills; kill++) {
      if (kill > 0) await sleep(1000);
      const before = childrenOf(supervisor);
      if (before.length === 0) throw new Error('no worker left to kill');
      const killedAt = performance.now();
      process.kill(Math.min(...before), 'SIGKILL');
      replacements.push(replacement(supervisor, before, killedAt, load.tally, port, killedAt + 5000));
    }
    await sleep(1000 + sizes.timeoutMs); // a connection hung by the last kill reaches the client's timeout
  } finally {
    await load.stop();
  }
  const { tally } = load;
  const seconds = (performance.now() - start) / 1000;
  const found = await Promise.all(replacements);
  const known = (values: (number | undefined)[]) => values.filter((ms): ms is number => ms !== undefined);
  const [started, answered] = [known(found.map((one) => one.startedMs)), known(found.map((one) => one.answeredMs))];
  const firstStarted = known(found.slice(0, sizes.workers).map((one) => one.startedMs));
  const firstAnswered = known(found.slice(0, sizes.workers).map((one) => one.answeredMs));
  const median = (values: number[]) => (values.length ? quantile(values, 0.5) : undefined);
  const figures: Figures = {
    'answered while killing (/s)': tally.answered / seconds,
    'connections refused': tally.refused,
    'connections hung': tally.hung,
    'requests reset in flight': tally.reset,
    'other errors': Object.values(tally.other).reduce((a, b) => a + b, 0),
    'kill -> replacement started, first W kills median (ms)': median(firstStarted),
    'kill -> replacement answers, first W kills median (ms)': median(firstAnswered),
    'kill -> replacement started, median (ms)': median(started),
    'kill -> replacement answers, median (ms)': median(answered),
    'kill -> replacement answers, max (ms)': answered.length ? Math.max(...answered) : undefined,
    'replacements not answering in 5 s': found.length - answered.length,
  };
  return { figures, other: tally.other };
}
