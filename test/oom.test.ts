import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AS_PID_1, FIXTURES, startCommand } from './helpers';

const LIMIT = 150 * 2 ** 20;

// A memory cgroup of LIMIT bytes below this process's own (cgroup v1, or v2 with the memory
// controller delegated), and the files to join it and read its OOM kills.
function memoryCgroup() {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((line) => line.split(':'));
  const v1 = lines.find(([, controllers]) => controllers?.split(',').includes('memory'));
  const name = `tsinit-oom-${process.pid}`;
  if (v1) {
    const dir = path.join('/sys/fs/cgroup/memory', v1[2], name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(LIMIT));
    return { dir, kills: () => Number(/^oom_kill (\d+)/m.exec(readFileSync(path.join(dir, 'memory.oom_control'), 'utf8'))?.[1]) };
  }
  const v2 = lines.find(([id]) => id === '0')!;
  const dir = path.join('/sys/fs/cgroup', v2[2], name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'memory.max'), String(LIMIT));
  return { dir, kills: () => Number(/^oom_kill (\d+)/m.exec(readFileSync(path.join(dir, 'memory.events'), 'utf8'))?.[1]) };
}

describe('in a memory limit its command fills', () => {
  it("tsinit is not the OOM killer's pick: a worker is, and the command finishes", async () => {
    const cgroup = memoryCgroup();
    try {
      const init = startCommand(['sh', '-c', `echo $$ > ${cgroup.dir}/cgroup.procs && exec "$@"`, 'sh', ...AS_PID_1, '-vv', '--', 'sh', path.join(FIXTURES, 'fill-memory.sh')]);
      const { code } = await init.closed;
      expect(cgroup.kills()).toBeGreaterThan(0); // the limit was hit: someone was picked
      expect({ code, stdout: init.stdout() }).toEqual({ code: 0, stdout: 'workers-done\n' });
      expect(init.stderr()).toMatch(/^\[tsinit\] (oom_score_adj -999 for tsinit|cannot lower tsinit's oom_score_adj)/m);
    } finally {
      rmdirSync(cgroup.dir);
    }
  });
});
