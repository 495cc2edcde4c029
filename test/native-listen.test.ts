import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILT_ADDON, startCommand, tempDir } from './helpers';

// The built addon (native/build.sh), in a program of its own: its reapAll would take vitest's children.

// A child given the socket as fd 3 accepts one connection on it and answers with its pid.
const ACCEPTOR = "import os, socket\nc, _ = socket.socket(fileno=3).accept()\nc.sendall(b'accepted by %d' % os.getpid())\nc.close()";

// In a node that loaded the addon: what a listening fd is (/proc/net/tcp{,6}: port and state,
// 0A = LISTEN; fdinfo: close-on-exec), a client's answer, and a connection accepted by a child.
const PRELUDE = String.raw`
  const fs = require('fs'), net = require('net');
  const n = require(process.argv[1]);
  const out = [];
  const inodeOf = (fd) => /socket:\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/fd/' + fd))[1];
  const cloexec = (fd) => (parseInt(/flags:\s*(\d+)/.exec(fs.readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8) & 0o2000000) !== 0;
  const tcpOf = (fd) => {
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6'])
      for (const fields of fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/)))
        if (fields[9] === inodeOf(fd)) return { port: parseInt(fields[1].split(':').pop(), 16), state: fields[3] };
  };
  const openFds = () => fs.readdirSync('/proc/self/fd').length;
  const ask = (options) => new Promise((resolve, reject) => {
    const client = net.connect(options);
    let answer = '';
    client.on('data', (chunk) => (answer += chunk)).on('end', () => resolve(answer)).on('error', reject);
  });
  // The client connects first (the connection waits in the backlog), then the child starts.
  const acceptedThrough = async (fd, connectTo) => {
    const answer = ask(connectTo);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { pid } = n.spawn(['/usr/bin/python3'], ['python3', '-c', ${JSON.stringify(ACCEPTOR)}], { newSession: false, foreground: false, passFds: [fd] });
    const text = await answer;
    while (n.reapAll([pid]).length === 0);
    return text === 'accepted by ' + pid;
  };
  const attempt = (f) => { try { return f(); } catch (error) { return error.code ?? error.constructor.name; } };
`;

async function run(body: string): Promise<unknown[]> {
  const script = `${PRELUDE}\n(async () => { ${body}; console.log(JSON.stringify(out)); })().catch((error) => { console.error(error); process.exit(1); });`;
  const started = startCommand([process.execPath, '-e', script, BUILT_ADDON]);
  expect({ ...(await started.closed), stderr: started.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
  return JSON.parse(started.stdout());
}

// ::1 is configured when /proc/net/if_inet6 lists it (a container may have IPv6 off).
const HAS_V6_LOOPBACK = existsSync('/proc/net/if_inet6') && readFileSync('/proc/net/if_inet6', 'utf8').includes('00000000000000000000000000000001');

describe('listenTcp', () => {
  // Listening on host, close-on-exec; a child it is passed to as fd 3 accepts a connection made before it started.
  const listensAndHandsOver = async (host: string) => {
    const out = await run(`
      const fd = n.listenTcp(${JSON.stringify(host)}, 0, 16);
      const { port, state } = tcpOf(fd);
      out.push(fd > 2, cloexec(fd), state, port > 0, await acceptedThrough(fd, { host: ${JSON.stringify(host)}, port }))`);
    expect(out).toEqual([true, true, '0A', true, true]);
  };

  it('listens on 127.0.0.1, close-on-exec, and a child it is passed to as fd 3 accepts a connection made before it started', () => listensAndHandsOver('127.0.0.1'));

  // Skipped, and reported so, where the machine has no ::1 (a container with IPv6 off).
  it.skipIf(!HAS_V6_LOOPBACK)('the same on ::1 (skipped when /proc/net/if_inet6 lists no ::1)', () => listensAndHandsOver('::1'));

  it('throws EADDRINUSE for a port in use, EADDRNOTAVAIL for an address not here, a TypeError for a name or brackets, and leaks no fd', async () => {
    const out = await run(`
      const fd = n.listenTcp('127.0.0.1', 0, 16), { port } = tcpOf(fd);
      const before = openFds();
      for (let i = 0; i < 100; i++) attempt(() => n.listenTcp('127.0.0.1', port, 16));
      out.push(openFds() - before);
      out.push(attempt(() => n.listenTcp('127.0.0.1', port, 16)), attempt(() => n.listenTcp('0.0.0.0', port, 16)), attempt(() => n.listenTcp('192.0.2.1', port, 16)));
      out.push(...['localhost', '[::1]', '127.0.0.1:80', '', '1.2.3'].map((host) => attempt(() => n.listenTcp(host, port, 16))));
      out.push(...[-1, 65536, 1.5].map((port) => attempt(() => n.listenTcp('127.0.0.1', port, 16))));
      try { n.listenTcp('127.0.0.1', port, 16); } catch (error) { out.push(error.message); }`);
    expect(out).toEqual([0, 'EADDRINUSE', 'EADDRINUSE', 'EADDRNOTAVAIL', ...Array(8).fill('TypeError'), expect.stringMatching(/^listen tcp 127\.0\.0\.1:\d+: bind: /)]);
  });
});

describe('listenUnix', () => {
  it('listens on a path, close-on-exec, and a child it is passed to as fd 3 accepts a connection made before it started', async () => {
    const socketPath = path.join(tempDir('tsinit-listen-'), 'app.sock');
    const out = await run(`
      const fd = n.listenUnix(${JSON.stringify(socketPath)}, 16);
      out.push(fd > 2, cloexec(fd), fs.statSync(${JSON.stringify(socketPath)}).isSocket(), await acceptedThrough(fd, { path: ${JSON.stringify(socketPath)} }))`);
    expect(out).toEqual([true, true, true, true]);
  });

  it('throws EADDRINUSE on an existing path (socket or file), ENAMETOOLONG past sun_path, a TypeError for no path, and leaks no fd', async () => {
    const dir = tempDir('tsinit-listen-');
    const out = await run(`
      const dir = ${JSON.stringify(dir)};
      n.listenUnix(dir + '/taken.sock', 4);
      fs.writeFileSync(dir + '/file', 'data');
      const before = openFds();
      for (let i = 0; i < 100; i++) attempt(() => n.listenUnix(dir + '/taken.sock', 4));
      out.push(openFds() - before, attempt(() => n.listenUnix(dir + '/taken.sock', 4)), attempt(() => n.listenUnix(dir + '/file', 4)), fs.readFileSync(dir + '/file', 'utf8'));
      const longest = dir + '/' + 'x'.repeat(107 - dir.length - 1); // 107 bytes and the NUL: sun_path's 108
      out.push(typeof n.listenUnix(longest, 4), attempt(() => n.listenUnix(longest + 'x', 4)), attempt(() => n.listenUnix('', 4)), attempt(() => n.listenUnix(dir + '/missing/dir.sock', 4)))`);
    expect(out).toEqual([0, 'EADDRINUSE', 'EADDRINUSE', 'data', 'number', 'ENAMETOOLONG', 'TypeError', 'ENOENT']);
  });
});
