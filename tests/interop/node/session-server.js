'use strict';
// A ResilientSockets session server for the interop tests (protocol from the README only, see rssession.js).
// Prints "LISTENING <port>" once ready; exits when stdin closes.
//
//   node session-server.js [port] [--resume-window-ms=N] [--ack-every=N] [--ack-delay-ms=N]
//        [--max-unacked-messages=N] [--max-unacked-bytes=N] [--max-payload=N] [--hello-timeout-ms=N]
//   Every option can also come from the environment: RS_PORT, RS_RESUME_WINDOW_MS, RS_ACK_EVERY, ... (upper case).
//
// WebSocket paths (the scenario is fixed by the connection that creates the session; resuming may use any path):
//   /session/echo          the application echoes every message, same type (text/binary)
//   /session/count?n=N     the application sends "0".."N-1" (text) as fast as the replay buffer allows, then echoes
//   /plain/echo            does NOT select the session subprotocol: a plain echo server, for "server does not speak it"
//   /session/bad?what=W    a hostile server: after the client's first frame it sends what PROBES[W] builds (a broken
//                          WELCOME, or a valid WELCOME then one broken frame; ?size=N for "oversized"), then records
//                          how the client closed: /stats lists {what, closeCode, closeReason} under "probes".
// A /session/* handshake that does not offer resilientsockets.session.v1 is refused with HTTP 400.
//
// HTTP (GET):
//   /stats                 {"lostHellos","protocolErrors":[...],"sessions":[...]} every session ever created, oldest
//                          first; /stats?id=<uuid> only that one (404 when unknown). See sessionStats() for the fields.
//   /admin/cut             aborts every attached session connection without a close frame: {"cut":N}
//   /admin/forget          drops every session and aborts its connection, as a restart would: {"forgotten":N}
//   /admin/end?id=<uuid>   the application ends that session (close 1000): {"ended":true|false}
const http = require('http');
const { WebSocketServer } = require('ws');
const rs = require('./rssession');

const { SessionServer, SUBPROTOCOL, KIND } = rs;

function option(name, fallback) {
  const flag = process.argv.find(a => a.startsWith(`--${name}=`));
  const env = process.env[`RS_${name.toUpperCase().replace(/-/g, '_')}`];
  const text = flag ? flag.slice(name.length + 3) : env;
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

const positional = process.argv.slice(2).find(a => !a.startsWith('--'));
const port = Number(positional ?? process.env.RS_PORT ?? 0);
const maxPayload = option('max-payload', 64 * 1024 * 1024);
const sessions = new SessionServer({
  resumeWindowMs: option('resume-window-ms', 2 * 60 * 1000),
  ackEvery: option('ack-every', 32),
  ackDelayMs: option('ack-delay-ms', 50),
  maxUnackedMessages: option('max-unacked-messages', 4096),
  maxUnackedBytes: option('max-unacked-bytes', 4 * 1024 * 1024),
  helloTimeoutMs: option('hello-timeout-ms', 10000),
});

// What the application saw, per session. `outOfOrder` counts text messages that are decimal numbers but not the next
// number expected (the first expected is "0"): a numbered stream arrived exactly once, in order, when it stays 0.
const appStats = new WeakMap();

function sessionStats(session) {
  const app = appStats.get(session);
  return { ...session.snapshot(), scenario: session.url.pathname, ...app };
}

sessions.on('session', session => {
  const app = { receivedText: 0, receivedBinary: 0, receivedBytes: 0, lastText: null, outOfOrder: 0, nextNumber: 0, appSent: 0 };
  appStats.set(session, app);
  const send = (data, opts) => session.send(data, opts).then(() => { app.appSent++; });
  session.on('message', (payload, text) => {
    app.receivedBytes += payload.length;
    if (text) {
      app.receivedText++;
      app.lastText = payload.toString('utf8');
      if (/^\d+$/.test(app.lastText)) {
        if (Number(app.lastText) !== app.nextNumber) app.outOfOrder++;
        app.nextNumber = Number(app.lastText) + 1;
      }
    } else {
      app.receivedBinary++;
    }
    send(payload, { text }).catch(() => {}); // rejected only once the session has ended
  });
  if (session.url.pathname === '/session/count') {
    const n = Number(session.url.searchParams.get('n') || 0);
    (async () => {
      for (let i = 0; i < n; i++) await send(String(i));
    })().catch(() => {});
  }
});

// Each probe: the frames the hostile server sends after the client's HELLO. w() is a valid new-session WELCOME.
const w = () => rs.encodeWelcome(0, rs.newId(), 0, sessions.options.resumeWindowMs);
const patch = (frame, offset, value) => { frame[offset] = value; return frame; };
const PROBES = {
  'no-welcome': () => [rs.encodeData(1, Buffer.from('x'), true)],
  'welcome-size': () => [w().subarray(0, 31)],
  'welcome-version': () => [patch(w(), 1, 2)],
  'welcome-flags': () => [patch(w(), 2, 0x04)],
  'welcome-reserved': () => [patch(w(), 3, 1)],
  'welcome-last-received': () => [rs.encodeWelcome(0, rs.newId(), 5, 1000)],
  'welcome-text': () => ['welcome'],
  'second-welcome': () => [w(), w()],
  'hello': () => [w(), rs.encodeHello(rs.ZERO_ID, 0)],
  'text': () => [w(), 'text'],
  'unknown-kind': () => [w(), Buffer.from([0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
  'empty': () => [w(), Buffer.alloc(0)],
  'control-size': () => [w(), Buffer.concat([rs.encodeControl(KIND.PING, 1), Buffer.from([0])])],
  'control-reserved': () => [w(), patch(rs.encodeControl(KIND.PING, 1), 1, 1)],
  'data-short': () => [w(), rs.encodeData(1, Buffer.alloc(0), false).subarray(0, 9)],
  'data-flags': () => [w(), patch(rs.encodeData(1, Buffer.from('x'), true), 1, 0x03)],
  'sequence-zero': () => [w(), rs.encodeData(0, Buffer.from('x'), true)],
  'gap': () => [w(), rs.encodeData(2, Buffer.from('x'), true)],
  'ack-above': () => [w(), rs.encodeControl(KIND.ACK, 1)],
  'oversized': size => [w(), rs.encodeData(1, Buffer.alloc(size), false)],
};
const probes = [];

function probe(ws, url) {
  const what = url.searchParams.get('what');
  const build = PROBES[what];
  const record = { what, closeCode: null, closeReason: null };
  probes.push(record);
  if (!build) { ws.close(1011, `unknown probe ${what}`); return; }
  ws.once('message', () => {
    for (const frame of build(Number(url.searchParams.get('size') || 1024 * 1024))) ws.send(frame, { binary: typeof frame !== 'string' });
  });
  ws.on('close', (code, reason) => { record.closeCode = code; record.closeReason = reason.toString(); });
  ws.on('error', () => {});
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/stats') {
    const id = url.searchParams.get('id');
    const list = sessions.history.filter(s => !id || s.sessionId === id.toLowerCase()).map(sessionStats);
    if (id && list.length === 0) return json(res, 404, { error: `unknown session ${id}` });
    return json(res, 200, id ? list[0] : { lostHellos: sessions.lostHellos, protocolErrors: sessions.protocolErrors, probes, sessions: list });
  }
  if (url.pathname === '/admin/cut') return json(res, 200, { cut: sessions.cutAll() });
  if (url.pathname === '/admin/forget') return json(res, 200, { forgotten: sessions.forgetAll() });
  if (url.pathname === '/admin/end') {
    const session = sessions.sessions.get((url.searchParams.get('id') || '').toLowerCase());
    if (session) session.close();
    return json(res, 200, { ended: Boolean(session) });
  }
  json(res, 404, { error: 'not found' });
});

const wss = new WebSocketServer({
  server,
  maxPayload,
  handleProtocols: (protocols, req) => (req.url.startsWith('/session/') ? sessions.handleProtocols(protocols, req) : false),
  verifyClient: (info, done) => {
    const path = new URL(info.req.url, 'http://localhost').pathname;
    if (path === '/plain/echo') return done(true);
    if (!['/session/echo', '/session/count', '/session/bad'].includes(path)) return done(false, 404, `no such path ${path}`);
    const offered = (info.req.headers['sec-websocket-protocol'] || '').split(',').map(p => p.trim());
    if (!offered.includes(SUBPROTOCOL)) return done(false, 400, `${SUBPROTOCOL} required`);
    return done(true);
  },
});

wss.on('connection', (ws, req) => {
  if (req.url.startsWith('/plain/')) {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    return;
  }
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/session/bad') probe(ws, url); else sessions.handleConnection(ws, req);
});

server.listen(port, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
