import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECORDER, startRecorder, waitFor } from './helpers';

// kB resident in `pid`'s read-only private mappings of files, split by whether a write copied
// any of their pages (Anonymous > 0: relocations, RELRO) or none did.
function readOnlyFileRss(pid: number) {
  const rss = { clean: 0, copied: 0 };
  for (const mapping of readFileSync(`/proc/${pid}/smaps`, 'latin1').split(/\n(?=[0-9a-f]+-)/)) {
    if (!/^\S+ r-[-x]p \S+ \S+ \d+ +\//.test(mapping)) continue;
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(mapping)![1]);
    rss[field('Anonymous') > 0 ? 'copied' : 'clean'] += field('Rss');
  }
  return rss;
}

describe("the init's clean pages", () => {
  it('leave it once start-up is over, the written ones stay, and it works on as before', async () => {
    const { pid, received, stop } = await startRecorder(['--', ...RECORDER]);
    try {
      const atStart = readOnlyFileRss(pid);
      expect(atStart.clean).toBeGreaterThan(10_000); // node's code and data, ICU's, the libraries'
      const released = await waitFor('the clean pages to go', () => {
        const now = readOnlyFileRss(pid);
        return now.clean < atStart.clean / 4 ? now : undefined;
      });
      expect(released.copied).toBe(atStart.copied);
      process.kill(pid, 'SIGUSR2'); // the handler's pages come back on their first touch
      await waitFor('SIGUSR2', () => received().length === 1);
    } finally {
      await stop();
    }
  });
});
