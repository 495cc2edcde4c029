import { readFileSync, writeFileSync } from 'node:fs';
import type { Log } from './log';
import { readProcFile } from './process-tree';

// What the init gives itself where permitted, as container runtimes' shims do: the last pick,
// yet not exempt (-1000), should it be the one that grows.
const INIT_OOM_SCORE_ADJ = -999;

// How much bigger than now the init's memory is assumed to grow when CMD's score is raised.
const GROWTH_MARGIN = 2;

/**
 * The OOM killer weighs processes by memory, and tsinit has Node's ~40 MB: in a small memory
 * limit it is the biggest, the first pick, and its death ends the container (tini's 1 MB never
 * is). Makes it the last pick: lowers its own oom_score_adj where permitted (CAP_SYS_RESOURCE),
 * CMD getting the original back; otherwise raises CMD's by what outweighs tsinit's memory in
 * this memory limit. Returns the oom_score_adj CMD is to get (undefined: as inherited).
 */
export function commandOomScoreAdj(log: Log): number | undefined {
  const score = readProcFile('/proc/self/oom_score_adj');
  if (score === undefined) return undefined; // no /proc: nothing to weigh with
  const original = Number(score.toString());
  try {
    writeFileSync('/proc/self/oom_score_adj', String(INIT_OOM_SCORE_ADJ));
    log('debug', 'oom-score', `oom_score_adj ${INIT_OOM_SCORE_ADJ} for tsinit, ${original} for the command: the init is the OOM killer's last pick`, {
      init: INIT_OOM_SCORE_ADJ,
      command: original,
    });
    return original;
  } catch (error) {
    const limit = memoryLimit();
    const raised = Math.min(1000, original + Math.ceil((1000 * GROWTH_MARGIN * ownMemory()) / limit));
    log('debug', 'oom-score', `cannot lower tsinit's oom_score_adj (${(error as NodeJS.ErrnoException).code}): the command's raised from ${original} to ${raised} (memory limit ${Math.round(limit / 2 ** 20)} MB)`, {
      init: original,
      command: raised,
    });
    return raised;
  }
}

// The init's resident memory, as the OOM killer counts it (file-backed pages too).
function ownMemory(): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

// The tightest of this cgroup's memory limit (v2 memory.max or v1 memory.limit_in_bytes) and RAM.
function memoryLimit(): number {
  const limits = [Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? Infinity) * 1024];
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    const file =
      controllers === '' ? `/sys/fs/cgroup${path}/memory.max` : controllers?.split(',').includes('memory') ? `/sys/fs/cgroup/memory${path}/memory.limit_in_bytes` : undefined;
    try {
      if (file) limits.push(Number(readFileSync(file, 'utf8'))); // `max` is NaN: no limit
    } catch {
      // no such controller mounted here
    }
  }
  return Math.min(...limits.filter((limit) => limit > 0));
}
