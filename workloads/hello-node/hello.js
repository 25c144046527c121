// hello-node: the hello workload in Node.js (node:http), with the contract of workloads/hello/hello.c.
//
//   hello.js [PORT]   serve on 0.0.0.0:PORT (argv, else $PORT, else 8080),
//                     or on fd 3 when socket-activated (LISTEN_FDS)
//   hello.js --probe  print "hello: ok" and exit
//   hello.js --hang   print the start marker and sleep forever
'use strict';
const start = process.hrtime.bigint(); // CLOCK_MONOTONIC, as the markers need
const fs = require('node:fs');

function marker(what, ns, how) {
  fs.writeSync(1, `sandbench-${what} ${ns}${how ? ' ' + how : ''}\n`);
}

const args = process.argv.slice(2);
if (args.length > 1) {
  process.stderr.write('usage: hello.js [PORT | --probe | --hang]\n');
  process.exit(2);
}
const arg = args[0];
if (arg === '--probe') {
  fs.writeSync(1, 'hello: ok\n');
  process.exit(0);
}
if (arg !== undefined && arg.startsWith('-') && arg !== '--hang') {
  process.stderr.write(`hello.js: unknown option ${arg}\n`);
  process.exit(2);
}
marker('start', start);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
if (arg === '--hang') {
  setInterval(() => {}, 1 << 30);
} else {
  const http = require('node:http');
  const body = Buffer.from('hello\n');
  const server = http.createServer({ keepAliveTimeout: 0 }, (req, res) => {
    req.resume(); // discard any body
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 6 });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 0; // keep idle connections as long as the client does, as hello does
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  const fds = Number(process.env.LISTEN_FDS);
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_PID;
  let how = 'listen-fds';
  let target;
  if (fds >= 1) {
    target = { fd: 3 };
  } else {
    const portArg = arg ?? process.env.PORT ?? '8080';
    const port = /^[0-9]+$/.test(portArg) ? Number(portArg) : -1;
    if (port < 1 || port > 65535) {
      process.stderr.write(`hello.js: invalid port '${portArg}'\n`);
      process.exit(2);
    }
    target = { port, host: '0.0.0.0', backlog: 4096 };
    how = 'bind';
  }
  server.on('error', (e) => {
    process.stderr.write(`hello.js: cannot listen: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(target, () => marker('ready', process.hrtime.bigint(), how));
}
