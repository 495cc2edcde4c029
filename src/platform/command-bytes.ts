import { splitBytes } from './command-path';
import { readProcFile } from './process-tree';

/**
 * This process's command line as bytes. Node decodes argv as UTF-8, turning other bytes into
 * U+FFFD, so CMD's arguments come from /proc/self/cmdline; read it before setting
 * `process.title`, which overwrites the memory /proc shows. Where a title already did (node's
 * `--title`), or where /proc is not mounted, Node's decoded text is all there is.
 */
export function readCommandLine(): Buffer[] {
  const words = splitBytes(readProcFile('/proc/self/cmdline') ?? Buffer.alloc(0), '\0').slice(0, -1); // each word ends with a NUL
  const [script, ...args] = process.argv.slice(1); // Node resolves the script's path: not compared
  const matches =
    words.length === 2 + process.execArgv.length + args.length && args.every((arg, i) => words[words.length - args.length + i].toString() === arg);
  return matches ? words : [process.argv0, ...process.execArgv, script, ...args].map((word) => Buffer.from(word));
}

// The environment this process started with, read once (it never changes); null without /proc.
let startEnvironment: Buffer[] | null | undefined;

/** A variable of the environment this process started with, as bytes; undefined when unset. Without /proc: Node's decoded value. */
export function startEnvironmentValue(name: string): Buffer | undefined {
  if (startEnvironment === undefined) {
    const environ = readProcFile('/proc/self/environ');
    startEnvironment = environ === undefined ? null : splitBytes(environ, '\0');
  }
  if (startEnvironment === null) return process.env[name] === undefined ? undefined : Buffer.from(process.env[name]);
  const prefix = Buffer.from(`${name}=`);
  return startEnvironment.find((entry) => entry.subarray(0, prefix.length).equals(prefix))?.subarray(prefix.length);
}
