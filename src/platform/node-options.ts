import { closeSync, existsSync, readFileSync, writeSync } from 'node:fs';
import { startEnvironmentValue } from './command-bytes';
import type { Log } from './log';
import type { Native } from './native';
import { openFiles } from './process-tree';
import type { SignalIntake } from './signal-intake';

// The memfd the init hands its state over in across the restart. Only a file of this name,
// inherited, counts: no environment variable a user could set (or forget) is read for it.
const HAND_OVER = 'tsinit-hand-over';

/** What the init carries across its restart: the app's NODE_OPTIONS (base64 of its bytes), the signals held so far. */
export interface HandOver {
  nodeOptions: string;
  signals: number[];
}

/**
 * NODE_OPTIONS is meant for the app, but Node applied it to this init too: a `--require` agent
 * runs in PID 1, `--inspect` takes the app's port. Restarts the init once (same pid) without it;
 * the value and every signal held so far go along in a memfd. Returns only when NODE_OPTIONS
 * was unset or empty.
 */
export async function restartWithoutNodeOptions(native: Native, intake: SignalIntake, commandLine: Buffer[], log: Log): Promise<void> {
  const value = process.env.NODE_OPTIONS;
  if (!value) return;
  if (!existsSync('/proc/self/exe')) return log('warn', 'restart-skipped', 'NODE_OPTIONS applies to tsinit too: /proc is not mounted, so tsinit cannot restart without it');
  await new Promise((resolve) => setImmediate(resolve)); // signals counted so far reach the intake; later ones stay counted in the addon
  const fd = native.memfdCreate(HAND_OVER);
  const bytes = startEnvironmentValue('NODE_OPTIONS') ?? Buffer.from(value); // text only if changed since
  const handOver: HandOver = { nodeOptions: bytes.toString('base64'), signals: intake.takeHeld() };
  writeSync(fd, JSON.stringify(handOver));
  delete process.env.NODE_OPTIONS;
  native.execve('/proc/self/exe', commandLine); // the same node, the same words, byte for byte
}

/** In the restarted init: the hand-over, read and closed (CMD must not inherit it); else undefined. */
export function takeHandOver(): HandOver | undefined {
  if (!existsSync('/proc/self/fd')) return undefined; // no /proc: no restart happened either
  const file = openFiles('self').find(({ target }) => target === `/memfd:${HAND_OVER} (deleted)`);
  if (file === undefined) return undefined;
  const handOver = JSON.parse(readFileSync(`/proc/self/fd/${file.fd}`, 'utf8')) as HandOver;
  closeSync(file.fd);
  return handOver;
}
