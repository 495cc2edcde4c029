import { readFileSync } from 'node:fs';
import { splitBytes } from './command-path';

/**
 * This process's command line as bytes. Node decodes argv as UTF-8, turning other bytes into
 * U+FFFD, so CMD's arguments come from here; read it before setting `process.title`, which
 * overwrites the memory /proc shows.
 */
export function readCommandLine(): Buffer[] {
  return splitBytes(readFileSync('/proc/self/cmdline'), '\0').slice(0, -1); // each word ends with a NUL
}

/** A variable of the environment this process started with, as bytes; undefined when unset. */
export function startEnvironmentValue(name: string): Buffer | undefined {
  const prefix = Buffer.from(`${name}=`);
  const entry = splitBytes(readFileSync('/proc/self/environ'), '\0').find((candidate) => candidate.subarray(0, prefix.length).equals(prefix));
  return entry?.subarray(prefix.length);
}
