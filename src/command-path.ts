import path from 'node:path';

// What execvp searches when PATH is unset.
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The files exec tries for a command, as execvp would: itself if it has a slash, else each PATH entry. */
export function commandCandidates(command: string, searchPath = process.env.PATH ?? DEFAULT_PATH): string[] {
  if (command.includes('/')) return [command];
  return searchPath.split(':').map((dir) => path.join(dir || '.', command));
}
