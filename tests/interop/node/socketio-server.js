'use strict';
// A real Socket.IO server for the wrong-server diagnosis tests. Prints "LISTENING <port>" once ready.
//   node socketio-server.js [port] [path]     (or SOCKETIO_PORT / SOCKETIO_PATH; defaults 0 and /socket.io/)
// A plain WebSocket client pointed at it meets what users meet: a 400 "Transport unknown" on a custom path, an HTTP 400
// written after the 101 when EIO is missing, and an Engine.IO open packet with the default URL.
// Exits when its standard input closes, so a crashed test run leaves no process behind.
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || process.env.SOCKETIO_PORT || 0);
const path = process.argv[3] || process.env.SOCKETIO_PATH || '/socket.io/';

const httpServer = http.createServer((req, res) => { res.writeHead(404); res.end(); });
// Reported before Engine.IO sees the request, so a test can tell whether the client connected at all.
httpServer.prependListener('upgrade', (req) => console.log(`UPGRADE ${req.url}`));
const io = new Server(httpServer, { path });
io.on('connection', (socket) => socket.on('echo', (value, ack) => ack && ack(value)));

httpServer.listen(port, '127.0.0.1', () => console.log(`LISTENING ${httpServer.address().port}`));
process.stdin.on('end', () => { io.close(); process.exit(0); });
process.stdin.resume();
