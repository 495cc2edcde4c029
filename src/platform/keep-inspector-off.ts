import { existsSync } from 'node:fs';
import type { Log } from './log';
import { openFiles } from './process-tree';

// Node opens its inspector on 127.0.0.1:9229 when SIGUSR1 arrives with no listener, and PID 1
// must forward SIGUSR1 instead. This module is the CLI's first import so a listener exists before
// any other module loads. The addon's handler then replaces libuv's; the listener stays, since
// removing libuv's last watcher of a signal would reset it to SIG_DFL over the addon's handler.
process.on('SIGUSR1', () => {});

// How long after start-up the inspector is looked for a last time.
const LAST_LOOK_MS = 1000;

/**
 * Closes the inspector a SIGUSR1 opened during Node's boot, before tsinit's first line: Node
 * keeps SIGUSR1 blocked from its start to its inspector handler, which takes one that came
 * meanwhile and has a helper thread ask the main thread to open the port (a V8 interrupt or the
 * event loop, whichever comes first). Looks on the loop's first turn and once more a second
 * later; the inspector module (4 ms to load) loads only if a socket is open.
 */
export function closeInspectorOpenedAtBoot(log: Log): void {
  setImmediate(() => closeInspector(log));
  setTimeout(() => closeInspector(log), LAST_LOOK_MS).unref();
}

// The inspector is the only socket tsinit itself opens (0-2 are stdio, whatever they are).
function closeInspector(log: Log): void {
  if (existsSync('/proc/self/fd') && !openFiles('self').some(({ fd, target }) => fd > 2 && target.startsWith('socket:'))) return;
  const inspector = require('node:inspector') as typeof import('node:inspector');
  const url = inspector.url();
  if (url === undefined) return;
  inspector.close();
  log('warn', 'inspector-closed', `a SIGUSR1 during Node's start-up opened its inspector (${url}); closed`, { url });
}
