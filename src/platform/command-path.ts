// What execvp searches when PATH is unset.
const DEFAULT_PATH = Buffer.from('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');

/**
 * The files exec tries for a command, as execvp would: itself if it has a slash, else each PATH
 * entry (an empty one is the current directory). An empty name is no file (ENOENT, as execvp
 * says), never a PATH directory. Bytes in, bytes out: a name or a PATH entry that is not UTF-8
 * must reach exec unchanged.
 */
export function commandCandidates(command: Buffer, searchPath: Buffer | undefined): Buffer[] {
  if (command.length === 0 || command.includes('/')) return [command];
  return splitBytes(searchPath ?? DEFAULT_PATH, ':').map((dir) => Buffer.concat([dir.length > 0 ? dir : Buffer.from('.'), Buffer.from('/'), command]));
}

/** `bytes` cut at each `separator` byte. */
export function splitBytes(bytes: Buffer, separator: string): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(separator); end !== -1; end = bytes.indexOf(separator, start)) {
    parts.push(bytes.subarray(start, end));
    start = end + 1;
  }
  parts.push(bytes.subarray(start));
  return parts;
}
