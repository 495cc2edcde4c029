// The app of `npm run bench:register`: a tiny HTTP server on 127.0.0.1:$PORT. GET / answers its
// pid (1 when it is PID 1 itself). GET /orphans?n=N runs the bench helper's orphan storm ($HELPER
// orphan-storm N: N double-forked orphans that exit at once, so they are re-parented to PID 1) and
// answers once the helper has exited.
'use strict';
const http = require('node:http');
const { spawn } = require('node:child_process');

http
  .createServer((request, response) => {
    const storm = /^\/orphans\?n=(\d+)$/.exec(request.url);
    if (!storm) return void response.end(`${process.pid}\n`);
    const helper = spawn(process.env.HELPER, ['orphan-storm', storm[1]], { stdio: ['pipe', 'pipe', 'inherit'] });
    let said = '';
    helper.stdout.on('data', (chunk) => {
      said += chunk;
      if (said === 'ready\n') helper.stdin.write('g');
      if (said.endsWith('done\n')) helper.stdin.end();
    });
    helper.on('exit', (code) => response.end(`${code}\n`));
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
