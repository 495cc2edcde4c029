import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onPath, runWithInput, type Engine } from './container-engine';

// Podman's default open-file limit in a container; and the RLIMIT_NPROC podman 4.3 sets for
// itself as it starts (seen with strace: setrlimit(RLIMIT_NPROC, 32768)), so the most processes
// its containers can be given.
const PODMAN_DEFAULT_NOFILE = 1024 * 1024;
const PODMAN_NPROC = 32 * 1024;

// A hard limit of this process's, as /proc/self/limits shows it ("Max open files  20000  20000  files").
function hardLimit(name: string): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((text) => text.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  if (!hard) throw new Error(`no "${name}" line in /proc/self/limits`);
  return hard === 'unlimited' ? Infinity : Number(hard);
}

/**
 * Podman as Debian's `podman` and `runc` run on the machines, with storage, run state and
 * configuration of its own under /tmp, so it neither needs nor disturbs another Podman's. Podman
 * has no daemon: "starting" it is writing that configuration and seeing `podman info` answer.
 * Fails with what podman printed when it does not.
 */
export async function startPodman(): Promise<Engine> {
  const client = onPath('podman', "install Debian's podman and runc (the README's test command does)");
  const dir = mkdtempSync('/tmp/tsinit-podman-');
  // crun refuses the hybrid cgroup layout these machines have ("cgroups in hybrid mode not
  // supported"): runc. There is no systemd: cgroupfs. Podman's default ulimits are above these
  // machines' hard limits, and runc's setrlimit in the container fails with EPERM: no more than
  // the hard limits, and no more processes than podman allows itself. No network but each
  // container's loopback, and no registry to search for a short name.
  const files = Math.min(hardLimit('Max open files'), PODMAN_DEFAULT_NOFILE);
  const processes = Math.min(hardLimit('Max processes'), PODMAN_NPROC);
  const ulimits = [`nofile=${files}:${files}`, `nproc=${processes}:${processes}`];
  const containersConf = [
    '[containers]',
    `default_ulimits = ${JSON.stringify(ulimits)}`,
    'netns = "none"',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `tmp_dir = "${dir}/tmp"`,
    '[network]',
    `network_config_dir = "${dir}/networks"`,
  ];
  const storageConf = ['[storage]', 'driver = "overlay"', `graphroot = "${dir}/root"`, `runroot = "${dir}/run"`];
  const configuration = { 'containers.conf': containersConf, 'storage.conf': storageConf, 'registries.conf': ['unqualified-search-registries = []'] };
  for (const [name, lines] of Object.entries(configuration)) writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
  const env = {
    CONTAINERS_CONF: path.join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: path.join(dir, 'registries.conf'),
  };
  const cli = (podmanArgs: string[], input?: string | Buffer) => runWithInput([client, ...podmanArgs], env, input);
  const info = await cli(['info']);
  const stop = async () => {
    // Removes every pod, container and image, and unmounts the storage, before the files go.
    await cli(['system', 'reset', '--force']);
    rmSync(dir, { recursive: true, force: true });
  };
  if (info.code !== 0) {
    await stop();
    throw new Error(`podman does not run here (podman info exited ${info.code}): ${info.stderr.trim()}`);
  }
  // podman rm -f stops first, SIGTERM and 10 s, where docker rm -f kills.
  const removeNow = async (container: string) => void (await cli(['rm', '-f', '-t', '0', container]));
  return { env, client, cli, removeNow, stop };
}
