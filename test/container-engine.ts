import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { runCommand } from './helpers';

/** What an engine's client printed and how it ended. */
export interface EngineResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A container engine of the tests' own (Docker or Podman), and the client that talks to it: the
 * container tests run the same cases on each, so what differs between them is said here once.
 */
export interface Engine {
  /** The client's environment: where this engine's socket or configuration is. */
  env: Record<string, string>;
  /** The client a user would type (`docker` or `podman`, first on PATH). */
  client: string;
  /** Runs the client with `args` to its end; stdin is `input`, or nothing. */
  cli(args: string[], input?: string | Buffer): Promise<EngineResult>;
  /** Removes a container at once, running or not: SIGKILL, no stop timeout. */
  removeNow(container: string): Promise<void>;
  /** Stops the engine and removes its data: every container and image the tests made. */
  stop(): Promise<void>;
}

/** An executable of PATH's, or an error that says how to get it. */
export function onPath(name: string, getIt: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // not in this one
    }
  }
  throw new Error(`${name} not found on PATH: ${getIt}`);
}

/** Runs a command to its end; stdin is `input`, or nothing (/dev/null) when none is given. */
export function runWithInput(command: string[], env: Record<string, string> = {}, input?: string | Buffer): Promise<EngineResult> {
  return runCommand(command, { env, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
}
