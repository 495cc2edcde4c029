import type { CpuCount } from '../platform/cpu-count';
import type { WorkerCount } from '../supervisor/settings';
import { SettingError } from './setting-error';

/** The most workers a pool may have: the addon's cap on signal targets. */
export const MAX_WORKERS = 1024;

/** The restart policy of a pool unless one is given: tornado's `fork_processes(n, max_restarts=100)`. */
export const POOL_RESTART = 'on-failure:100';

/** A worker count (1..MAX_WORKERS) or `auto`, resolved now by counting the container's CPUs; `from` names who gave a number. */
export function workerCount(value: unknown, from: string, cpus: () => CpuCount): WorkerCount | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') {
    const counted = cpus();
    return counted.count > MAX_WORKERS ? { count: MAX_WORKERS, from: `${counted.from} (${counted.count}, at most ${MAX_WORKERS})` } : counted;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_WORKERS) {
    throw new SettingError('workers', value, `an integer from 1 to ${MAX_WORKERS} or 'auto'`);
  }
  return { count: value, from };
}
