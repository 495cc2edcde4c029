import type { Native } from './native';
import { readProcFile } from './process-tree';

// A mapping's first line in /proc/self/smaps: read-only, private, from a file (node, ICU's data,
// the libraries; not [vdso]); its fields follow, `Anonymous:` among them.
const READ_ONLY_FILE_MAPPING = /^([0-9a-f]+)-([0-9a-f]+) r-[-x]p \S+ \S+ \d+ +\//;

/**
 * Drops from the init the pages of each read-only file mapping that no write has copied: they
 * stay in the page cache and come back on the next touch, so nothing changes but the init's
 * RSS (about 40 MB to 15) and the page tables a virtual machine shadows, which slow the first
 * signal after a quiet spell. Skipped where /proc/self/smaps cannot be read.
 */
export function releaseCleanPages(native: Native): void {
  let smaps: Buffer | undefined;
  try {
    smaps = readProcFile('/proc/self/smaps');
  } catch {
    return; // an optimisation only: an unreadable smaps leaves the pages mapped
  }
  const ranges: [number, number][] = [];
  for (const mapping of smaps?.toString('latin1').split(/\n(?=[0-9a-f]+-)/) ?? []) {
    const [, start, end] = READ_ONLY_FILE_MAPPING.exec(mapping) ?? [];
    // Anonymous: the pages written since the mapping was made (relocations, RELRO): dropping
    // those would bring back the file's bytes in their place.
    if (start === undefined || !/^Anonymous:\s+0 kB$/m.test(mapping)) continue;
    ranges.push([parseInt(start, 16), parseInt(end, 16) - parseInt(start, 16)]);
  }
  // All in a row once they are known: code run between two releases (the parsing above) would
  // bring back the pages of node's text released before it.
  for (const [start, length] of ranges) native.releasePages(start, length);
}
