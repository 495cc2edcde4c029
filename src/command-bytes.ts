import { readFileSync } from 'node:fs';
import { splitBytes } from './command-path';

/**
 * This process's command line as bytes. Node decodes argv as UTF-8, turning other bytes into
 * U+FFFD, so CMD's arguments come from /proc/self/cmdline; read it before setting
 * `process.title`, which overwrites the memory /proc shows. Where a title already did (node's
 * `--title`), the words no longer match Node's argv and its decoded text is all there is.
 */
export function readCommandLine(): Buffer[] {
  const words = splitBytes(readFileSync('/proc/self/cmdline'), '\0').slice(0, -1); // each word ends with a NUL
  const [script, ...args] = process.argv.slice(1); // Node resolves the script's path: not compared
  const matches =
    words.length === 2 + process.execArgv.length + args.length && args.every((arg, i) => words[words.length - args.length + i].toString() === arg);
  return matches ? words : [process.argv0, ...process.execArgv, script, ...args].map((word) => Buffer.from(word));
}

let startEnvironment: Buffer[] | undefined; // read once: it never changes

/** A variable of the environment this process started with, as bytes; undefined when unset. */
export function startEnvironmentValue(name: string): Buffer | undefined {
  startEnvironment ??= splitBytes(readFileSync('/proc/self/environ'), '\0');
  const prefix = Buffer.from(`${name}=`);
  return startEnvironment.find((entry) => entry.subarray(0, prefix.length).equals(prefix))?.subarray(prefix.length);
}
