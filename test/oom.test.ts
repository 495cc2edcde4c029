import { readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AS_PID_1, FIXTURES, makeCgroup, startCommand } from './helpers';

const LIMIT = 150 * 2 ** 20;

// A memory cgroup of LIMIT bytes, and its count of OOM kills.
function memoryCgroup() {
  const { dir, version, enter } = makeCgroup('memory', `tsinit-oom-${process.pid}`);
  writeFileSync(path.join(dir, version === 1 ? 'memory.limit_in_bytes' : 'memory.max'), String(LIMIT));
  const events = version === 1 ? 'memory.oom_control' : 'memory.events';
  return { dir, enter, kills: () => Number(/^oom_kill (\d+)/m.exec(readFileSync(path.join(dir, events), 'utf8'))?.[1]) };
}

describe('in a memory limit its command fills', () => {
  it("tsinit is not the OOM killer's pick: a worker is, and the command finishes", async () => {
    const cgroup = memoryCgroup();
    try {
      const init = startCommand([...cgroup.enter, ...AS_PID_1, '-vv', '--', 'sh', path.join(FIXTURES, 'fill-memory.sh')]);
      const { code } = await init.closed;
      expect(cgroup.kills()).toBeGreaterThan(0); // the limit was hit: someone was picked
      expect({ code, stdout: init.stdout() }).toEqual({ code: 0, stdout: 'workers-done\n' });
      expect(init.stderr()).toMatch(/^\[tsinit\] (oom_score_adj -999 for tsinit|cannot lower tsinit's oom_score_adj)/m);
    } finally {
      rmdirSync(cgroup.dir);
    }
  });
});
