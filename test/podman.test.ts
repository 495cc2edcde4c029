import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendantsOf, readProcess } from '../src/platform/process-tree';
import { describeContainerCases, inspect, useEngine } from './container-cases';
import { IMAGES } from './container-images';
import { parseStatus, waitFor } from './helpers';
import { startPodman } from './podman-engine';

// The container cases on Debian's podman (with runc), configured by the tests themselves; then
// docker/pod.yaml as Podman plays Kubernetes Pod YAML: `command` over the image's ENTRYPOINT,
// `args` over its CMD, a pause container (catatonit) in every pod.
const engine = useEngine(startPodman);
describeContainerCases('Podman');

let yamlDir: string;
beforeAll(() => void (yamlDir = mkdtempSync(path.join(tmpdir(), 'tsinit-pods-'))));
afterAll(() => rmSync(yamlDir, { recursive: true, force: true }));

// docker/pod.yaml's pods, one YAML document each by its name, with the images built here for the
// registry's: the app's (FROM docker/debian.Dockerfile) and the sidecar's (anything with sleep).
const POD_YAML = readFileSync(path.resolve(__dirname, '../docker/pod.yaml'), 'utf8')
  .replaceAll('registry.example/app-with-tsinit:latest', `localhost/${IMAGES.podApp}:latest`)
  .replaceAll('busybox:stable', `localhost/${IMAGES.debian}:latest`);
const PODS = new Map(POD_YAML.split(/^---$/m).map((document) => [podNames(document)[0], document]));

// The names of the pods in a YAML of one document or more (metadata's name, not a container's).
function podNames(yaml: string): string[] {
  return [...yaml.matchAll(/^ {2}name: (\S+)$/gm)].map(([, name]) => name);
}

// `podman kube play` of a YAML, with no network but loopback (failing with what podman printed),
// then `body`, then the YAML's pods removed at once, whatever happened before.
async function inPlayedPods(name: string, yaml: string, body: () => Promise<void>): Promise<void> {
  const file = path.join(yamlDir, `${name}.yaml`);
  writeFileSync(file, yaml);
  try {
    const { code, stderr } = await engine().cli(['kube', 'play', '--network', 'none', file]);
    if (code !== 0) throw new Error(`podman kube play ${name} failed (exit ${code}): ${stderr}`);
    await body();
  } finally {
    // Stopped, then removed: `podman pod rm -f -t 0` does not pass its -t on (Podman 4.3), and a
    // PID 1 that ignores SIGTERM, as node does with no listener, holds it the default 10 s.
    const pods = podNames(yaml);
    await engine().cli(['pod', 'stop', '-t', '0', ...pods]);
    await engine().cli(['pod', 'rm', '-f', ...pods]);
  }
}

// The pid of a process in its own PID namespace (the last NSpid field of its status).
function pidInNamespace(pid: number): number {
  return Number(parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8')).get('NSpid')!.split(/\s+/).at(-1));
}

// The host pid of a pod's container's first process, once it runs its own program (runc's init,
// "runc:[2:INIT]", has exec'd it).
async function containerPid(container: string): Promise<number> {
  return waitFor(`${container} to run`, async () => {
    const pid = Number(await inspect(container, '.State.Pid'));
    return pid && !readProcess(pid)?.name.startsWith('runc') ? pid : undefined;
  });
}

// The app's orphan (test/fixtures/pod-server.js), once its parent sh has exited and tsinit has adopted it.
function adoptedOrphan(init: number) {
  return waitFor('the orphan to be adopted by tsinit', () => descendantsOf(init).find(({ name, ppid }) => name === 'sleep' && ppid === init));
}

// `podman logs` of a container, stdout and stderr apart.
async function logs(container: string) {
  const { stdout, stderr } = await engine().cli(['logs', container]);
  return { stdout, stderr };
}

describe('docker/pod.yaml, played by `podman kube play` (the images substituted, --network none)', () => {
  it('app-under-tsinit: tsinit is PID 1 and logs JSON; `podman pod stop -t 30` (its terminationGracePeriodSeconds): the app gets SIGTERM after the 5 s --delay and exits 0; tsinit stops the orphan it left and exits 0', async () => {
    const pod = 'app-under-tsinit';
    const container = `${pod}-app`;
    await inPlayedPods(pod, PODS.get(pod)!, async () => {
      const init = await containerPid(container);
      expect(pidInNamespace(init)).toBe(1);
      expect(readFileSync(`/proc/${init}/cmdline`, 'latin1')).toContain('tsinit');
      const orphan = pidInNamespace((await adoptedOrphan(init)).pid);
      await waitFor('the app to say it is up', async () => (await logs(container)).stdout.includes('server: up'));

      // Podman 4.3 does not take terminationGracePeriodSeconds for the stop's timeout (its
      // containers keep 10 s): give it, as the kubelet would.
      const grace = /^ {2}terminationGracePeriodSeconds: (\d+)$/m.exec(PODS.get(pod)!)![1];
      const stopping = Date.now();
      expect(await engine().cli(['pod', 'stop', '-t', grace, pod])).toMatchObject({ code: 0 });
      const { stdout, stderr } = await logs(container);
      const heldMs = Number(/^server: SIGTERM at (\d+)$/m.exec(stdout)?.[1]) - stopping;
      expect(heldMs).toBeGreaterThanOrEqual(5000);
      expect(heldMs).toBeLessThan(15_000); // well inside the grace: the hold ended, not Podman's SIGKILL
      expect(Number(await inspect(container, '.State.ExitCode'))).toBe(0);

      // stderr is tsinit's alone: one JSON object a line, none a warning, its lifecycle from spawn
      // to exit. The orphan is out of the app's group: only tsinit's stop of what is left ends it,
      // before tsinit exits (the kernel's SIGKILL of the namespace would come after).
      const events = stderr.trim().split('\n').map((line) => JSON.parse(line));
      expect(events.filter(({ level }) => level !== 'info')).toEqual([]);
      expect(events).toMatchObject([
        { event: 'spawned', command: ['node', 'server.js'] },
        { event: 'signal-held', signal: 'SIGTERM', delayMs: 5000 },
        { event: 'child-exited', exitCode: 0, signal: null },
        { event: 'shutdown', pids: [orphan] },
        { event: 'leftover-ended', pid: orphan, name: 'sleep' },
        { event: 'exit', exitCode: 0 },
      ]);
    });
  });

  it("app-under-tsinit-shared-pid: the pause container is PID 1 and tsinit is not; tsinit registers as a subreaper itself, adopts the app's orphan and reaps it; `podman stop` of the app reaches the app", async () => {
    const pod = 'app-under-tsinit-shared-pid';
    const container = `${pod}-app`;
    await inPlayedPods(pod, PODS.get(pod)!, async () => {
      const init = await containerPid(container);
      const infra = await containerPid((await engine().cli(['pod', 'inspect', '-f', '{{.InfraContainerID}}', pod])).stdout.trim());
      // One PID namespace: the pause container's catatonit is its PID 1, tsinit is not.
      expect(readlinkSync(`/proc/${init}/ns/pid`)).toBe(readlinkSync(`/proc/${infra}/ns/pid`));
      expect({ pause: [readProcess(infra)?.name, pidInNamespace(infra)], tsinitIsPid1: pidInNamespace(init) === 1 }).toEqual({ pause: ['catatonit', 1], tsinitIsPid1: false });
      await waitFor('the subreaper line', async () => /registered as child subreaper/.test((await logs(container)).stderr));

      // The app's sh exits at once: its sleep is an orphan, and comes to tsinit, not to catatonit.
      // Killed, it stays tsinit's zombie (readProcess still finds it) until tsinit reaps it.
      const orphan = await adoptedOrphan(init);
      process.kill(orphan.pid, 'SIGKILL');
      await waitFor('tsinit to reap the orphan', () => readProcess(orphan.pid) === undefined);

      // The kubelet stops a pod's containers before its sandbox; so does this (see the README).
      expect(await engine().cli(['stop', '-t', '10', container])).toMatchObject({ code: 0 });
      expect((await logs(container)).stdout).toMatch(/^server: SIGTERM at \d+$/m);
      expect(Number(await inspect(container, '.State.ExitCode'))).toBe(0);
    });
  });
});

// The README's Kubernetes trap: a pod's `command:` replaces the image's ENTRYPOINT, tsinit with it.
const TRAP_PODS = {
  'command-without-tsinit': 'command: ["node", "server.js"]',
  'args-only': 'args: ["node", "server.js"]',
  'command-with-tsinit': 'command: ["tsinit", "--", "node", "server.js"]',
};

describe("`command:` over the image's ENTRYPOINT [\"tsinit\", \"--\"] (the README's Kubernetes trap)", () => {
  it('command: ["node", "server.js"] runs node as PID 1 without tsinit; args: alone, or tsinit repeated in command:, keeps tsinit PID 1', async () => {
    const yaml = Object.entries(TRAP_PODS).map(([pod, words]) =>
      ['apiVersion: v1', 'kind: Pod', 'metadata:', `  name: ${pod}`, 'spec:', '  containers:', '    - name: app', `      image: localhost/${IMAGES.podApp}:latest`, `      ${words}`].join('\n'),
    );
    await inPlayedPods('trap', `${yaml.join('\n---\n')}\n`, async () => {
      const pid1s: Record<string, string> = {};
      for (const pod of Object.keys(TRAP_PODS)) {
        const pid = await containerPid(`${pod}-app`);
        expect(pidInNamespace(pid)).toBe(1);
        // tsinit's command line, `node /usr/local/bin/tsinit -- ...`, is "tsinit" once it runs.
        const words = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
        pid1s[pod] = words.includes('tsinit') ? 'tsinit' : words;
      }
      expect(pid1s).toEqual({ 'command-without-tsinit': 'node server.js', 'args-only': 'tsinit', 'command-with-tsinit': 'tsinit' });
    });
  });
});
