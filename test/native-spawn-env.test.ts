import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_ADDON, startCommand, tempDir } from './helpers';

// The built addon (native/build.sh), in a program of its own: its reapAll would take vitest's children.

// The spawned command: its pid, its environment as exec gave it (/proc/self/environ: duplicates
// show) and every fd above 2 with what it is, close-on-exec and non-blocking. readlink opens no fd.
const PROBE = `
import fcntl, json, os
fds = {}
for fd in range(3, 1024):
    try:
        link = os.readlink('/proc/self/fd/%d' % fd)
    except OSError:
        continue
    fds[fd] = [link, bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC), bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK)]
environ = open('/proc/self/environ', 'rb').read().decode().split('\\0')[:-1]
print(json.dumps({'pid': os.getpid(), 'environ': environ, 'fds': fds}))
`;

interface Probe {
  pid: number;
  environ: string[];
  fds: Record<string, [string, boolean, boolean]>;
}

// Runs `body` in a node that loaded the addon, with `probe(options)` spawning PROBE and waiting for
// it; `out` is printed as JSON. `prefix` runs before node (a wrapper that execs it). Resolves with
// each probe's report and `out`.
async function run(body: string, { env = {}, prefix = [] as string[] } = {}): Promise<{ probes: Probe[]; out: unknown[] }> {
  const script = `
    const fs = require('fs');
    const n = require(${JSON.stringify(BUILT_ADDON)});
    const out = [];
    const inode = (fd) => fs.readlinkSync('/proc/self/fd/' + fd);
    const probe = (options) => {
      const spawned = n.spawn([Buffer.from('/usr/bin/python3')], ['python3', '-c', ${JSON.stringify(PROBE)}], { newSession: false, foreground: false, ...options });
      if (spawned.pid !== undefined) while (n.reapAll([spawned.pid]).length === 0);
      return spawned;
    };
    ${body};
    console.log(JSON.stringify(out));`;
  const started = startCommand([...prefix, process.execPath, '-e', script], { env });
  expect({ ...(await started.closed), stderr: started.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  const lines = started.stdout().trimEnd().split('\n');
  return { probes: lines.slice(0, -1).map((line) => JSON.parse(line)), out: JSON.parse(lines.at(-1)!) };
}

// The fds above 2 a probe got; the pipes this test's own runner may leave open above 2 without
// close-on-exec (e.g. a CI's job pipe) are none of spawn's doing: only sockets count.
const socketsOf = (probe: Probe) => Object.fromEntries(Object.entries(probe.fds).filter(([, [link]]) => link.startsWith('socket:')));

describe('spawn with environment, pidVariable and passFds', () => {
  it('gives entries over the environment, the pid variable its own pid, and the passed sockets as 3, 4, ... blocking and inherited, nothing else', async () => {
    const { probes, out } = await run(
      `
      const tcp = n.listenTcp('127.0.0.1', 0, 8), unix = n.listenUnix(${JSON.stringify(path.join(tempDir('tsinit-env-'), 's'))}, 8);
      const other = n.listenTcp('127.0.0.1', 0, 8); // open, close-on-exec, not passed
      const { pid } = probe({ environment: [Buffer.from('FOO=new'), 'EXTRA=x=y', 'TWICE=1', 'TWICE=2', 'LISTEN_PID=given'], pidVariable: 'LISTEN_PID', passFds: [tcp, unix, tcp] });
      out.push(pid, inode(tcp), inode(unix), other > 2)`,
      { env: { FOO: 'old', KEEP: 'kept', LISTEN_PID: 'stale' } },
    );
    const [probe] = probes;
    const [pid, tcp, unix, otherOpen] = out as [number, string, string, boolean];
    expect(otherOpen).toBe(true);
    expect(probe.pid).toBe(pid);
    const named = (name: string) => probe.environ.filter((entry) => entry.startsWith(`${name}=`));
    expect([named('FOO'), named('EXTRA'), named('TWICE'), named('KEEP'), named('LISTEN_PID')]).toEqual([['FOO=new'], ['EXTRA=x=y'], ['TWICE=2'], ['KEEP=kept'], [`LISTEN_PID=${pid}`]]);
    expect(socketsOf(probe)).toEqual({ 3: [tcp, false, false], 4: [unix, false, false], 5: [tcp, false, false] });
  });

  it('lands sources that sit on target numbers right: sockets made on 3 and 4 (dup2) passed as [4, 3], non-blocking ones turned blocking', async () => {
    // python makes two sockets, dup2s them onto 3 and 4 (inheritable), 4 non-blocking, and execs node.
    const wrapper = `
import os, socket, sys
a, b = socket.socket(), socket.socket(socket.AF_INET6)
copies = os.dup(a.fileno()), os.dup(b.fileno())
os.dup2(copies[0], 3); os.dup2(copies[1], 4)
os.set_blocking(4, False)
assert os.get_inheritable(3) and os.get_inheritable(4) and os.readlink('/proc/self/fd/3') != os.readlink('/proc/self/fd/4')
os.execv(sys.argv[1], sys.argv[1:])`;
    const { probes, out } = await run(
      `
      const flags = (fd) => parseInt(/flags:\\s*(\\d+)/.exec(fs.readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8);
      out.push(inode(3), inode(4), (flags(4) & 0o4000) !== 0); // O_NONBLOCK before the spawn
      const third = n.listenUnix(${JSON.stringify(path.join(tempDir('tsinit-env-'), 's'))}, 8);
      out.push(inode(third), probe({ passFds: [4, 3, third] }).pid, probe({ passFds: [3] }).pid)`,
      { prefix: ['python3', '-c', wrapper] },
    );
    const [three, four, nonBlocking, third, firstPid, secondPid] = out as [string, string, boolean, string, number, number];
    expect(new Set([three, four, third]).size).toBe(3);
    expect(nonBlocking).toBe(true);
    expect(probes.map((probe) => probe.pid)).toEqual([firstPid, secondPid]);
    expect(socketsOf(probes[0])).toEqual({ 3: [four, false, false], 4: [three, false, false], 5: [third, false, false] });
    // Passing only 3: 4 stays as it is, which is close-on-exec (node marks every fd above 2 so at
    // its start: measured), so the probe does not get it.
    expect(socketsOf(probes[1])).toEqual({ 3: [three, false, false] });
  });

  it('without the options, exec gets environ exactly and no socket; with only pidVariable, environ plus it', async () => {
    const { probes, out } = await run(`
      const sock = n.listenTcp('127.0.0.1', 0, 8);
      out.push(fs.readFileSync('/proc/self/environ', 'latin1').split('\\0').slice(0, -1));
      out.push(probe({}).pid, probe({ pidVariable: 'MY_PID' }).pid)`);
    const [environ, plainPid, pidPid] = out as [string[], number, number];
    expect(probes[0]).toMatchObject({ pid: plainPid, environ });
    expect([socketsOf(probes[0]), socketsOf(probes[1])]).toEqual([{}, {}]);
    expect(probes[1].environ).toEqual([...environ.filter((entry) => !entry.startsWith('MY_PID=')), `MY_PID=${pidPid}`]);
  });

  it('runs a file exec refuses (no #!) under /bin/sh with the given environment too', async () => {
    const script = path.join(tempDir('tsinit-env-'), 'script');
    writeFileSync(script, 'echo "{\\"pid\\": $$, \\"environ\\": [\\"FOO=$FOO\\", \\"PIDVAR=$PIDVAR\\"], \\"fds\\": {}}"\n');
    chmodSync(script, 0o755);
    const { probes, out } = await run(`
      const { pid } = n.spawn([Buffer.from(${JSON.stringify(script)})], ['script'], { environment: ['FOO=given'], pidVariable: 'PIDVAR' });
      while (n.reapAll([pid]).length === 0);
      out.push(pid)`);
    expect(probes).toEqual([{ pid: out[0], environ: ['FOO=given', `PIDVAR=${out[0]}`], fds: {} }]);
  });

  it('reports a failed exec with 64 fds passed: the report pipe, when on a target number, is moved out of the way first', async () => {
    const { out } = await run(`
      const reportFdBelow67 = fs.readdirSync('/proc/self/fd').length < 60; // pipe2 takes the lowest free numbers
      out.push(reportFdBelow67, n.spawn(['/nonexistent'], ['x'], { passFds: Array(64).fill(0) }), n.spawn(['/nonexistent'], ['x'], { passFds: [0, 1, 2] }))`);
    expect(out).toEqual([true, { errno: 2 }, { errno: 2 }]);
  });

  it('refuses, before any fork, a closed fd, more than 64 fds, an entry without NAME=, a pidVariable with =', async () => {
    const { out } = await run(`
      const attempt = (options) => { try { return n.spawn(['/bin/true'], ['true'], options); } catch (error) { return error.constructor.name + ': ' + error.message; } };
      const { pid } = attempt({ passFds: Array(64).fill(0) });
      while (n.reapAll([pid]).length === 0);
      out.push(attempt({ passFds: [1000] }), attempt({ passFds: Array(65).fill(0) }), attempt({ passFds: [-1] }));
      out.push(attempt({ environment: ['=x'] }), attempt({ environment: ['NAME'] }), attempt({ pidVariable: 'A=B' }), attempt({ pidVariable: '' }));
      out.push(n.nothingLeft())`);
    expect(out).toEqual([
      "TypeError: spawn's passFds must be open fds",
      "TypeError: spawn's passFds must be an array of at most 64 integers",
      "TypeError: spawn's passFds must be an integer from 0 to 2147483647",
      ...Array(2).fill("TypeError: spawn's environment must be an array of NAME=VALUE strings or Buffers"),
      ...Array(2).fill("TypeError: spawn's pidVariable must be a variable name (a string without '=' or NUL)"),
      true, // no child: none of them was forked
    ]);
  });
});
