// The pool benchmark's server (`npm run bench:pool`): every request burns BURN_MS of CPU on the
// clock, then answers with this process's pid. It listens on fd 3 when handed a socket the systemd
// way (LISTEN_FDS, and LISTEN_PID this process's own when set: tsinit --listen), else on
// 127.0.0.1:$PORT (a single process, Node's cluster and pm2 share that through cluster).
'use strict';
const http = require('node:http');

const BURN_MS = Number(process.env.BURN_MS || 2);

function burn(ms) {
  const until = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  let x = 0;
  while (process.hrtime.bigint() < until) x++;
  return x;
}

const server = http.createServer((request, response) => {
  burn(BURN_MS);
  response.end(`${process.pid}\n`);
});
server.keepAliveTimeout = 60_000; // the load's connections stay open for the whole phase

const handed = process.env.LISTEN_FDS && (!process.env.LISTEN_PID || Number(process.env.LISTEN_PID) === process.pid);
if (handed) server.listen({ fd: 3 });
else if (process.env.PORT) server.listen(Number(process.env.PORT), '127.0.0.1');
else {
  console.error('pool-server: no LISTEN_FDS for this pid and no PORT');
  process.exit(2);
}
