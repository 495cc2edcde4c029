import type { Native } from './native';

// Where NODE_OPTIONS waits while the init runs without it.
const DEFERRED = 'TSINIT_DEFERRED_NODE_OPTIONS';

/**
 * NODE_OPTIONS is meant for the app, but Node applied it to this init too: a `--require` agent
 * runs in PID 1, `--inspect` takes the app's port. Restarts the init once (same pid) without
 * it, kept aside in the environment; returns only when there was nothing to set aside.
 */
export function restartWithoutNodeOptions(native: Native): void {
  const value = process.env.NODE_OPTIONS;
  if (!value) return;
  process.env[DEFERRED] = value;
  delete process.env.NODE_OPTIONS;
  native.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)]);
}

/** Puts NODE_OPTIONS back where it was, so CMD inherits the init's original environment. */
export function restoreNodeOptions(): void {
  const value = process.env[DEFERRED];
  if (value === undefined) return;
  process.env.NODE_OPTIONS = value;
  delete process.env[DEFERRED];
}
