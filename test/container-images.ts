import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readProcess } from '../src/platform/process-tree';
import { onPath, runWithInput, type Engine, type EngineResult } from './container-engine';
import { FIXTURES, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '..');

/** The images the container tests run. */
export const IMAGES = {
  debian: 'tsinit-test/debian',
  /** The debian image plus tini, the reference where a figure is compared. */
  debianWithTini: 'tsinit-test/debian-tini',
  distroless: 'tsinit-test/distroless',
  /**
   * A Node app as its own PID 1, as a user writes it: tsinit-pid1 installed in the app's
   * node_modules (/app, the WORKDIR) and CMD ["node", "-r", "tsinit-pid1/register", "app.js"],
   * where app.js is test/fixtures/register-http.js. No ENTRYPOINT.
   */
  register: 'tsinit-test/register',
  /**
   * docker/pod.yaml's app: the debian image (ENTRYPOINT ["tsinit", "--"]) with
   * test/fixtures/pod-server.js as server.js in its WORKDIR, /app.
   */
  podApp: 'tsinit-test/pod-app',
};

/** tsinit's options for a pool of two workers sharing one listening socket on POOL_PORT, in the container. */
export const POOL_PORT = 8080;
export const POOL_OPTIONS = ['--workers', '2', '--listen', `tcp:0.0.0.0:${POOL_PORT}`];

/**
 * Each image again with POOL_OPTIONS in its ENTRYPOINT (debian's is then ["tsinit", "--workers",
 * "2", "--listen", "tcp:0.0.0.0:8080", "--"]) and test/fixtures/pool-server.js as its CMD, under
 * the image's node, which is also how to run node in it (`docker exec`; distroless has no shell).
 * test/fixtures/pool-client.js is in it too, by the server, in /srv.
 */
export const POOLS = {
  debian: { base: IMAGES.debian, image: 'tsinit-test/debian-pool', node: 'node' },
  distroless: { base: IMAGES.distroless, image: 'tsinit-test/distroless-pool', node: '/nodejs/bin/node' },
};

// The names the Dockerfiles build FROM, made here since no registry is reachable.
const NODE_BASE = 'node:20-bookworm-slim';
const DISTROLESS_BASE = 'gcr.io/distroless/nodejs20-debian12';

// Every step to its end, then the first failure if any: Promise.all would reject at the first,
// and the engine's cleanup would then run under the steps still building.
async function allEnded(steps: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

// A command that must succeed: its output, or an error carrying what it printed.
async function must(what: string, result: Promise<EngineResult>): Promise<string> {
  const { code, stdout, stderr } = await result;
  if (code !== 0) throw new Error(`${what} failed (exit ${code}):\n${stderr}${stdout}`);
  return stdout;
}

// The Debian mirror apt uses here for `codename` (deb822 .sources or one-line sources.list).
function aptMirror(codename: string): string {
  const sources = ['/etc/apt/sources.list', ...readdirSync('/etc/apt/sources.list.d').map((name) => `/etc/apt/sources.list.d/${name}`)];
  for (const file of sources.filter((name) => /\.(list|sources)$/.test(name))) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      if (uri && /^Suites:(.*)$/m.exec(stanza)?.[1].trim().split(/\s+/).includes(codename)) return uri;
    }
    const line = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+)\\s+${codename}\\s`, 'm').exec(text);
    if (line) return line[1];
  }
  throw new Error(`no apt source for ${codename} in /etc/apt: mmdebstrap needs a mirror`);
}

// The PATH Debian's images and distroless set. An imported tarball has none, and where Docker
// then searches a default PATH, Podman finds no `sh`.
const IMAGE_PATH = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// Debian minbase from apt's mirror (mmdebstrap, about a minute), kept under build/ as a tarball
// that the Docker and Podman test files, which run side by side, and later runs import. The first
// to need it makes it, holding a lock file with its pid; the others wait for the tarball, or take
// the lock over when that pid no longer runs (a run killed midway).
async function debianRootfs(codename: string): Promise<string> {
  const tarball = path.join(ROOT, 'build', `debian-${codename}-minbase.tar`);
  const lock = `${tarball}.lock`;
  mkdirSync(path.dirname(tarball), { recursive: true });
  while (!existsSync(tarball)) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      await waitFor("another test file's mmdebstrap", () => existsSync(tarball) || !lockHolderRuns(lock), 600_000);
      continue;
    }
    const partial = tarball.replace(/\.tar$/, `.${process.pid}.tar`);
    try {
      const mmdebstrap = onPath('mmdebstrap', "install Debian's mmdebstrap (the README's test command does)");
      await must('mmdebstrap', runWithInput([mmdebstrap, '--variant=minbase', '--quiet', codename, partial, aptMirror(codename)]));
      renameSync(partial, tarball);
    } finally {
      rmSync(partial, { force: true });
      rmSync(lock, { force: true });
    }
  }
  return tarball;
}

// Whether the process named in the lock file still runs; a lock whose process is gone is removed.
function lockHolderRuns(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lock, 'utf8'));
  } catch {
    return false; // released meanwhile
  }
  if (readProcess(pid)) return true;
  rmSync(lock, { force: true });
  return false;
}

// That tarball, imported as local/debian:<codename>.
async function buildDebianBase(engine: Engine, codename: string): Promise<string> {
  const rootfs = await debianRootfs(codename);
  return must(`${engine.client} import`, engine.cli(['import', '--change', IMAGE_PATH, rootfs, `local/debian:${codename}`]));
}

// node:20-bookworm-slim's layout on that base: this machine's node and npm, the user node (1000).
async function buildNodeImage(engine: Engine, context: string, codename: string): Promise<string> {
  mkdirSync(context);
  copyFileSync(process.execPath, path.join(context, 'node'));
  cpSync(path.resolve(realpathSync(onPath('npm', 'npm comes with Node.js')), '../..'), path.join(context, 'npm'), { recursive: true });
  const dockerfile = [
    `FROM local/debian:${codename}`,
    'COPY node /usr/local/bin/node',
    'COPY npm /usr/local/lib/node_modules/npm',
    'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && groupadd -g 1000 node && useradd -m -u 1000 -g node node',
  ];
  writeFileSync(path.join(context, 'Dockerfile'), `${dockerfile.join('\n')}\n`);
  return must(`building ${NODE_BASE}`, engine.cli(['build', '-q', '-t', NODE_BASE, context]));
}

// distroless/nodejs20's layout: /nodejs/bin/node, the libraries ldd lists, passwd, /tmp; no shell.
function buildDistrolessBase(engine: Engine, root: string): Promise<string> {
  const files = [process.execPath, ...execFileSync('ldd', [process.execPath], { encoding: 'utf8' }).matchAll(/(\/\S+) \(0x/g)].map((file) =>
    typeof file === 'string' ? file : file[1],
  );
  for (const file of files) {
    const target = path.join(root, file === process.execPath ? '/nodejs/bin/node' : file);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(realpathSync(file), target);
    chmodSync(target, 0o755);
  }
  mkdirSync(path.join(root, 'etc'));
  writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnonroot:x:65532:\n');
  mkdirSync(path.join(root, 'tmp'));
  chmodSync(path.join(root, 'tmp'), 0o1777);
  const script = 'set -o pipefail; tar -C "$0" -c . | "$1" import --change "$2" --change \'ENTRYPOINT ["/nodejs/bin/node"]\' - "$3"';
  return must(`importing ${DISTROLESS_BASE}`, runWithInput(['bash', '-c', script, root, engine.client, IMAGE_PATH, DISTROLESS_BASE], engine.env));
}

// The context docker/*.Dockerfile expect: the tarballs npm/pack.sh writes, and tini for the reference image.
async function packContext(context: string): Promise<void> {
  mkdirSync(context);
  const packed = path.join(context, 'packed');
  mkdirSync(packed);
  await must('npm/pack.sh', runWithInput(['sh', path.join(ROOT, 'npm/pack.sh'), packed]));
  const { name, version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  copyFileSync(path.join(packed, `${name}-${version}.tgz`), path.join(context, 'tsinit.tgz'));
  copyFileSync(path.join(packed, `${name}-linux-${process.arch}-gnu-${version}.tgz`), path.join(context, 'tsinit-platform.tgz'));
  copyFileSync(onPath('tini-static', "install Debian's tini"), path.join(context, 'tini'));
  for (const file of ['pool-server.js', 'pool-client.js', 'register-http.js', 'pod-server.js']) copyFileSync(path.join(FIXTURES, file), path.join(context, file));
}

// IMAGES.register: node's image, the packed tarballs installed in /app as `npm install` puts a dependency there.
const REGISTER_DOCKERFILE = [
  `FROM ${NODE_BASE}`,
  'WORKDIR /app',
  'COPY tsinit.tgz tsinit-platform.tgz /tmp/',
  'RUN npm install --offline /tmp/tsinit.tgz /tmp/tsinit-platform.tgz && rm /tmp/tsinit*.tgz',
  'COPY register-http.js app.js',
  `CMD ${JSON.stringify(['node', '-r', 'tsinit-pid1/register', 'app.js'])}`,
];

// The ENTRYPOINT of `base` (tsinit's words, ending with `--`) with POOL_OPTIONS before the `--`.
async function poolEntrypoint(engine: Engine, base: string): Promise<string[]> {
  const entrypoint: string[] = JSON.parse(await must(`inspecting ${base}`, engine.cli(['image', 'inspect', '-f', '{{json .Config.Entrypoint}}', base])));
  if (entrypoint.at(-1) !== '--') throw new Error(`${base}'s ENTRYPOINT does not end with "--": ${JSON.stringify(entrypoint)}`);
  return [...entrypoint.slice(0, -1), ...POOL_OPTIONS, '--'];
}

/**
 * Builds, from this machine alone (no registry is reachable), the bases the Dockerfiles name,
 * then docker/debian.Dockerfile and docker/distroless.Dockerfile as they are, on the packed
 * tarballs, the debian image with tini added, both as POOLS, IMAGES.register and IMAGES.podApp.
 */
export async function buildImages(engine: Engine, work: string): Promise<void> {
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'bookworm';
  const context = path.join(work, 'tsinit');
  await allEnded([
    buildDebianBase(engine, codename).then(() => buildNodeImage(engine, path.join(work, 'node'), codename)),
    buildDistrolessBase(engine, path.join(work, 'distroless')),
    packContext(context),
  ]);
  const build = (image: string, dockerfile: string) => must(`building ${image}`, engine.cli(['build', '-q', '-t', image, '-f', dockerfile, context]));
  // A Dockerfile of the tests' own, from a file: podman cannot read one from a socket (`-f -` opens /dev/stdin).
  const buildFrom = (image: string, lines: string[]) => {
    const dockerfile = path.join(work, `${image.replaceAll('/', '-')}.Dockerfile`);
    writeFileSync(dockerfile, `${lines.join('\n')}\n`);
    return build(image, dockerfile);
  };
  await allEnded([build(IMAGES.debian, path.join(ROOT, 'docker/debian.Dockerfile')), build(IMAGES.distroless, path.join(ROOT, 'docker/distroless.Dockerfile'))]);
  const pool = async ({ base, image, node }: (typeof POOLS)[keyof typeof POOLS]) => {
    const entrypoint = JSON.stringify(await poolEntrypoint(engine, base));
    return buildFrom(image, [`FROM ${base}`, 'COPY pool-server.js pool-client.js /srv/', `ENTRYPOINT ${entrypoint}`, `CMD ${JSON.stringify([node, '/srv/pool-server.js'])}`]);
  };
  await allEnded([
    buildFrom(IMAGES.debianWithTini, [`FROM ${IMAGES.debian}`, 'COPY tini /usr/bin/tini']),
    buildFrom(IMAGES.register, REGISTER_DOCKERFILE),
    buildFrom(IMAGES.podApp, [`FROM ${IMAGES.debian}`, 'WORKDIR /app', 'COPY pod-server.js server.js']),
    ...Object.values(POOLS).map(pool),
  ]);
}
