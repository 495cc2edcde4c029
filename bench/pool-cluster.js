// The pool benchmark's cluster way: Node's cluster primary forks WORKERS workers of pool-server.js
// (they share 127.0.0.1:$PORT through the primary's round-robin) and forks a new one at once when
// one dies, the usual cluster recipe.
'use strict';
const cluster = require('node:cluster');
const path = require('node:path');

const workers = Number(process.env.WORKERS || 1);
cluster.setupPrimary({ exec: path.join(__dirname, 'pool-server.js') });
for (let i = 0; i < workers; i++) cluster.fork();
cluster.on('exit', () => cluster.fork());
