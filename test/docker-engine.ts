import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { onPath, runWithInput, type Engine } from './container-engine';

/**
 * Starts Debian's dockerd as the issue's machines can run it (no systemd, no iptables, no bridge),
 * on a socket, data root and exec root of its own, so it neither needs nor disturbs another
 * engine; it starts its own containerd. Fails with the daemon's log when it does not come up.
 */
export async function startDocker(): Promise<Engine> {
  const getIt = "install Debian's docker.io (the README's test command does)";
  const dockerd = onPath('dockerd', getIt);
  const client = onPath('docker', getIt);
  const dir = mkdtempSync('/tmp/tsinit-docker-'); // short: the socket's path must fit in sun_path
  const logFile = path.join(dir, 'dockerd.log');
  const env = { DOCKER_HOST: `unix://${dir}/docker.sock`, DOCKER_BUILDKIT: '0' };
  const args = ['--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=overlay2'];
  args.push('--data-root', `${dir}/data`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/dockerd.pid`, '--host', env.DOCKER_HOST);
  const log = openSync(logFile, 'a');
  const daemon = spawn(dockerd, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<string>((resolve) => daemon.on('exit', (code, signal) => resolve(`dockerd exited (${signal ?? `code ${code}`})`)));
  let ended: string | undefined;
  void exited.then((why) => (ended = why));
  const cli = (dockerArgs: string[], input?: string | Buffer) => runWithInput([client, ...dockerArgs], env, input);
  const deadline = Date.now() + 60_000;
  const answers = async () => (await cli(['info'])).code === 0;
  try {
    while (!(await answers())) {
      if (ended || Date.now() > deadline) throw new Error(ended ?? 'no answer in 60 s');
      await delay(100); // each try is a process: no tighter
    }
  } catch (error) {
    daemon.kill('SIGKILL');
    const log = readFileSync(logFile, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the Docker engine did not start (${(error as Error).message}); dockerd's log:\n${log}`);
  }
  const stop = async () => {
    daemon.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const removeNow = async (container: string) => void (await cli(['rm', '-f', container]));
  return { env, client, cli, removeNow, stop };
}
