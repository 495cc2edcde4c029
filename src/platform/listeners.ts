import { closeSync, lstatSync, unlinkSync } from 'node:fs';
import type { ListenAddress } from '../supervisor/settings';
import type { Native } from './native';

// As many waiting connections as the kernel allows (it caps this at net.core.somaxconn): while a
// worker restarts, connections wait here instead of being refused.
const BACKLOG = 4096;

/** The sockets of --listen, open in tsinit for its whole life, and their names for LISTEN_FDNAMES. */
export interface Listeners {
  readonly fds: readonly number[];
  readonly names: readonly string[];
}

/** Why a --listen address could not be opened, in one line (the CLI exits 2 with it). */
export class SocketOpenError extends Error {}

/**
 * Opens every address of --listen, in order, before anything starts: a unix path's stale socket
 * file is removed first (never a file of another kind). On a failure the ones opened are closed
 * and a SocketOpenError names the address and the errno.
 */
export function openListeners(native: Native, addresses: readonly ListenAddress[]): Listeners {
  const fds: number[] = [];
  try {
    for (const address of addresses) fds.push(open(native, address));
  } catch (error) {
    closeListeners({ fds, names: [] });
    throw error;
  }
  return { fds, names: addresses.map((address) => address.name) };
}

/** The sockets closed, once no run is to get them again (run()'s end, a failed open). */
export function closeListeners(listeners: Listeners): void {
  for (const fd of listeners.fds) closeSync(fd);
}

function open(native: Native, address: ListenAddress): number {
  try {
    if (address.kind === 'tcp') return native.listenTcp(address.host, address.port, BACKLOG);
    removeStaleSocket(address.path);
    return native.listenUnix(address.path, BACKLOG);
  } catch (error) {
    // The addon's message ends with strerror's words ("listen tcp ...: bind: Address already in use").
    const { code, message } = error as NodeJS.ErrnoException;
    const why = code === undefined ? message : `${message.slice(message.lastIndexOf(': ') + 2).toLowerCase()} (${code})`;
    throw new SocketOpenError(`cannot listen on ${address.text}: ${why}`);
  }
}

// A socket file left by a process that is gone (unix sockets outlive their listener); a file of
// any other kind is the user's and stays.
function removeStaleSocket(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (!stat.isSocket()) throw new Error('a file that is no socket is in the way');
  unlinkSync(path);
}
