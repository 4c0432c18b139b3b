'use strict';
// Helpers for the session self-tests (session*.test.js): start session-server.js as a process, exactly as the interop
// tests do, and talk to it with raw frames or the minimal client.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const WebSocket = require('ws');
const rs = require('./rssession');

const { KIND, SUBPROTOCOL, ZERO_ID } = rs;

async function startServer(...args) {
  const child = spawn(process.execPath, [path.join(__dirname, 'session-server.js'), '0', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', code => reject(new Error(`session-server exited with ${code}`)));
    child.stdout.once('data', d => resolve(Number(/^LISTENING (\d+)/.exec(d.toString())[1])));
  });
  const get = async p => (await fetch(`http://127.0.0.1:${port}${p}`)).json();
  return {
    port,
    url: p => `ws://127.0.0.1:${port}${p}`,
    get,
    stats: id => get(`/stats?id=${id}`),
    stop: () => new Promise(resolve => { child.once('exit', resolve); child.stdin.end(); }),
  };
}

// Polls until check() is truthy (a condition, not a fixed sleep); fails after timeoutMs.
async function until(check, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

// A raw connection: send crafted frames, await decoded frames or the close one at a time.
function raw(url, protocols = [SUBPROTOCOL]) {
  const ws = new WebSocket(url, protocols);
  const queue = [];
  const waiters = [];
  const push = item => (waiters.length ? waiters.shift()(item) : queue.push(item));
  ws.on('message', (data, isBinary) => {
    try { push({ frame: rs.decodeFrame(data, isBinary) }); } catch (e) { push({ error: e.message }); }
  });
  ws.on('close', (code, reason) => push({ close: { code, reason: reason.toString() } }));
  ws.on('error', () => {});
  const next = () => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no frame within 5 s')), 5000);
    const done = item => { clearTimeout(timer); resolve(item); };
    if (queue.length) done(queue.shift()); else waiters.push(done);
  });
  return {
    ws,
    next,
    opened: new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }),
    send: b => ws.send(b),
    async frame(kind) {
      for (;;) {
        const item = await next();
        if (item.close) throw new Error(`closed ${item.close.code} ${item.close.reason} while waiting for kind ${kind}`);
        if (!kind || item.frame.kind === kind) return item.frame;
      }
    },
    async closed() {
      for (;;) { const item = await next(); if (item.close) return item.close; }
    },
  };
}

async function hello(url, id = ZERO_ID, lastReceived = 0) {
  const c = raw(url);
  await c.opened;
  c.send(rs.encodeHello(id, lastReceived));
  const welcome = await c.frame();
  assert.equal(welcome.kind, KIND.WELCOME);
  return { c, welcome };
}

const data = (seq, text) => rs.encodeData(seq, Buffer.from(text), true);

function collect(client) {
  const got = [];
  client.on('message', (payload, text) => got.push({ text, value: payload.toString() }));
  return got;
}

// Reconnects after every cut until the session ends; the cut itself is the test's.
// Only an attached connection's loss leads to a new attempt, so a stopped server ends the loop.
function keepConnected(client) {
  client.on('close', (code, reason, attached) => {
    if (attached && !client.ended && code !== 1000) client.connect().catch(() => {});
  });
}

module.exports = { startServer, until, raw, hello, data, collect, keepConnected };
