// An rpc-websockets (JSON-RPC 2.0) server for the ResilientSockets interop tests.
// Usage: node jsonrpc-server.cjs <port>. Port 0 picks a free port. Prints "LISTENING <port>", then one line per
// wire-level event the tests observe: "ON <event>", "OFF <event>" (rpc.on / rpc.off), "CALL <method>", "CONNECT", "CLOSE".
// Methods: echo (returns its params), add [a, b], fail (throws), slow [ms] (answers after ms). Events: tick (every 50 ms),
// news (emitted by the method publish [text]).
const { Server } = require('rpc-websockets');

const port = Number(process.argv[2] ?? 0);
const say = (line) => process.stdout.write(line + '\n');
const server = new Server({ port, host: '127.0.0.1' });

server.register('echo', (params) => params);
server.register('add', ([a, b]) => a + b);
server.register('fail', () => { throw new Error('fail was asked to fail'); });
server.register('slow', ([ms]) => new Promise((resolve) => setTimeout(() => resolve('slow done'), ms ?? 1000)));
server.register('publish', ([text]) => { server.emit('news', { text }); return true; });
server.event('tick');
server.event('news');

let tick = 0;
setInterval(() => server.emit('tick', { n: ++tick, pid: process.pid }), 50); // pid: which server process sent it

server.on('connection', (socket) => {
  say('CONNECT');
  // Wire-level view of every request, so tests can count subscribe/unsubscribe messages.
  socket.on('message', (data) => {
    let message;
    try { message = JSON.parse(data.toString()); } catch { return; }
    for (const m of Array.isArray(message) ? message : [message]) {
      if (m.method === 'rpc.on') say(`ON ${(m.params ?? []).join(',')}`);
      else if (m.method === 'rpc.off') say(`OFF ${(m.params ?? []).join(',')}`);
      else if (m.method) say(`CALL ${m.method}`);
    }
  });
  socket.on('close', () => say('CLOSE'));
});
server.on('listening', () => say(`LISTENING ${server.wss.address().port}`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
