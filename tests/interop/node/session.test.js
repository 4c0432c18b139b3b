'use strict';
// Self-tests of the session peer (rssession.js, session-server.js): the minimal client and raw frames against the
// runnable server, started as a process exactly as the interop tests start it. Run: npm test (node --test).
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const rs = require('./rssession');
const { startServer, until, raw, hello, data, collect, keepConnected } = require('./session-test-support');

const { KIND, ZERO_ID } = rs;

describe('session server', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(() => server.stop());

  test('a new session is welcomed with a fresh id and echoes text and binary with their type', async () => {
    const { c, welcome } = await hello(server.url('/session/echo'));
    assert.equal(welcome.resumed, false);
    assert.equal(welcome.lost, false);
    assert.notDeepEqual(welcome.id, ZERO_ID);
    assert.equal(welcome.lastReceived, 0);
    assert.equal(welcome.resumeWindowMs, 120000);
    c.send(data(1, 'hi'));
    c.send(rs.encodeData(2, Buffer.from([0, 1, 2]), false));
    const first = await c.frame(KIND.DATA);
    const second = await c.frame(KIND.DATA);
    assert.deepEqual([first.sequence, first.text, first.payload.toString()], [1, true, 'hi']);
    assert.deepEqual([second.sequence, second.text, [...second.payload]], [2, false, [0, 1, 2]]);
    c.ws.close(1000);
  });

  test('a handshake without the subprotocol is refused, and the plain path does not select it', async () => {
    const refused = raw(server.url('/session/echo'), []);
    await assert.rejects(refused.opened, /400/);
    const client = new rs.SessionClient(server.url('/plain/echo'));
    await assert.rejects(client.connect(), /subprotocol/i);
  });

  test('every message arrives exactly once and in order both ways through repeated cuts', async () => {
    const client = new rs.SessionClient(server.url('/session/echo'));
    const got = collect(client);
    await client.connect();
    keepConnected(client);
    const total = 10000;
    const sending = (async () => { for (let i = 0; i < total; i++) await client.send(String(i)); })();
    let cutWs = null;
    for (let cut = 0; cut < 12; cut++) {
      const before = got.length;
      await until(() => client.ws && client.ws !== cutWs && (got.length > before + 100 || got.length === total), 'progress on a new connection');
      cutWs = client.ws;
      if (cut % 3 === 2) await server.get('/admin/cut'); else client.abort();
    }
    await sending;
    await until(() => got.length >= total && client.unacknowledged === 0 && client.ws && client.ws !== cutWs, 'every echo, reattached');
    assert.deepEqual(got.map(m => m.value), Array.from({ length: total }, (_, i) => String(i)));
    const stats = await until(async () => { const s = await server.stats(client.sessionId); return s.receivedText === total && s.unacknowledged === 0 && s; }, 'server stats');
    assert.equal(stats.outOfOrder, 0);
    assert.equal(stats.resumes, 12);
    assert.equal(client.stats.resumes, 12);
    client.close();
    await until(async () => (await server.stats(client.sessionId)).ended, 'session end');
  });

  test('the count scenario sends N numbered messages and they all arrive once through cuts', async () => {
    const client = new rs.SessionClient(server.url('/session/count?n=20000'));
    const got = collect(client);
    await client.connect();
    keepConnected(client);
    let cutWs = null;
    for (let cut = 1; cut <= 6; cut++) {
      await until(() => client.ws && client.ws !== cutWs && got.length > cut * 2500, 'progress on a new connection');
      cutWs = client.ws;
      client.abort();
    }
    await until(() => got.length >= 20000, 'all numbers');
    assert.deepEqual(got.map(m => m.value), Array.from({ length: 20000 }, (_, i) => String(i)));
    const stats = await until(async () => { const s = await server.stats(client.sessionId); return s.acked === 20000 && s; }, 'acknowledged');
    assert.equal(stats.sent, 20000);
    assert.equal(stats.resumes, 6);
    client.close();
  });

  test('a resumed session replays what the peer lacks, and answers with what it received', async () => {
    const { c, welcome } = await hello(server.url('/session/echo'));
    for (let i = 1; i <= 3; i++) c.send(data(i, `m${i}`));
    for (let i = 1; i <= 3; i++) assert.equal((await c.frame(KIND.DATA)).sequence, i);
    c.ws.terminate();
    await until(async () => !(await server.stats(rs.idToString(welcome.id))).attached, 'detach');
    const again = await hello(server.url('/session/echo'), welcome.id, 1);
    assert.equal(again.welcome.resumed, true);
    assert.deepEqual(again.welcome.id, welcome.id);
    assert.equal(again.welcome.lastReceived, 3);
    const replayed = [await again.c.frame(KIND.DATA), await again.c.frame(KIND.DATA)];
    assert.deepEqual(replayed.map(f => [f.sequence, f.payload.toString()]), [[2, 'm2'], [3, 'm3']]);
    again.c.send(data(3, 'm3')); // a replay of something already delivered: dropped, still acknowledged
    again.c.send(data(4, 'm4'));
    assert.equal((await again.c.frame(KIND.DATA)).sequence, 4);
    assert.equal((await again.c.frame(KIND.ACK)).value, 4);
    const stats = await server.stats(rs.idToString(welcome.id));
    assert.equal(stats.duplicatesDropped, 1);
    assert.equal(stats.receivedText, 4);
    again.c.ws.close(1000);
  });

  test('any number of reattaches work, and a new HELLO replaces a still-attached connection', async () => {
    const { c, welcome } = await hello(server.url('/session/echo'));
    let current = c;
    for (let i = 1; i <= 5; i++) {
      const next = await hello(server.url('/session/echo'), welcome.id, 0);
      assert.equal(next.welcome.resumed, true);
      const close = await current.closed();
      assert.equal(close.code, 1006); // aborted, no close frame
      current = next.c;
    }
    assert.equal((await server.stats(rs.idToString(welcome.id))).resumes, 5);
    current.ws.close(1000);
  });

  test('acknowledgements are batched: every 32 messages, or 50 ms after the first unacknowledged one', async () => {
    const { c } = await hello(server.url('/session/echo'));
    const started = Date.now();
    c.send(data(1, 'x'));
    assert.equal((await c.frame(KIND.ACK)).value, 1);
    assert.ok(Date.now() - started >= 45, 'a lone message is acknowledged after the delay');
    const frames = Array.from({ length: 40 }, (_, i) => data(i + 2, 'y'));
    c.ws.send(frames[0]);
    for (const f of frames.slice(1)) c.ws.send(f);
    const acks = [];
    while (acks.at(-1) !== 41) acks.push((await c.frame(KIND.ACK)).value);
    assert.ok(acks.includes(33), `an ACK after 32 messages, got ${acks}`);
    assert.ok(acks.length <= 3, `batched, got ${acks}`);
    c.ws.close(1000);
  });

  test('a PING is answered by a PONG with the same value', async () => {
    const { c } = await hello(server.url('/session/echo'));
    const counter = Buffer.from([0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88]);
    c.send(rs.encodeControl(KIND.PING, counter));
    const pong = await c.frame(KIND.PONG);
    assert.deepEqual(pong.raw, counter);
    c.ws.close(1000);
  });

  test('close 1000 ends the session: a later HELLO for it is told lost', async () => {
    const client = new rs.SessionClient(server.url('/session/echo'));
    await client.connect();
    const id = client.id;
    client.close();
    await until(async () => (await server.stats(client.sessionId)).ended, 'end');
    const { welcome, c } = await hello(server.url('/session/echo'), id, 0);
    assert.equal(welcome.lost, true);
    assert.notDeepEqual(welcome.id, id);
    c.ws.close(1000);
  });

  test('the server application ending a session closes with 1000 and nothing is kept', async () => {
    const client = new rs.SessionClient(server.url('/session/echo'));
    await client.connect();
    const closed = new Promise(resolve => client.once('close', resolve));
    assert.deepEqual(await server.get(`/admin/end?id=${client.sessionId}`), { ended: true });
    assert.equal(await closed, 1000);
    assert.equal(client.ended, true);
    const { welcome, c } = await hello(server.url('/session/echo'), client.id, 0);
    assert.equal(welcome.lost, true);
    c.ws.close(1000);
  });

  test('a forgotten session (server restart) is reported lost and a fresh session works', async () => {
    const client = new rs.SessionClient(server.url('/session/echo'));
    const got = collect(client);
    await client.connect();
    const old = client.sessionId;
    await server.get('/admin/forget');
    await until(() => !client.ws, 'the cut');
    await client.send('kept while away 1');
    await client.send('kept while away 2');
    const lost = new Promise(resolve => client.once('lost', resolve));
    const result = await client.connect();
    assert.equal((await lost).unacknowledged, 2); // reported as possibly undelivered, then discarded
    assert.ok(result.lost);
    assert.notEqual(client.sessionId, old);
    await client.send('after');
    await until(() => got.length === 1, 'echo in the new session');
    assert.equal(got[0].value, 'after');
    client.close();
  });
});

describe('session server with small limits', () => {
  let server;
  before(async () => { server = await startServer('--resume-window-ms=300', '--max-unacked-messages=8', '--max-payload=1024'); });
  after(() => server.stop());

  test('after the resume window the session is lost on both sides, with the counts', async () => {
    const { c, welcome } = await hello(server.url('/session/count?n=5'));
    for (let i = 1; i <= 5; i++) await c.frame(KIND.DATA); // received, never acknowledged
    c.ws.terminate();
    const id = rs.idToString(welcome.id);
    const stats = await until(async () => { const s = await server.stats(id); return s.lost && s; }, 'the window to pass');
    assert.equal(stats.lostUnacknowledged, 5);
    const again = await hello(server.url('/session/echo'), welcome.id, 5);
    assert.equal(again.welcome.lost, true);
    assert.equal(again.welcome.lastReceived, 0);
    again.c.send(data(1, 'fresh'));
    assert.equal((await again.c.frame(KIND.DATA)).payload.toString(), 'fresh');
    again.c.ws.close(1000);
  });

  test('a full replay buffer holds the application back until acknowledgements make room', async () => {
    const { c, welcome } = await hello(server.url('/session/count?n=20'));
    for (let i = 1; i <= 8; i++) assert.equal((await c.frame(KIND.DATA)).sequence, i);
    const id = rs.idToString(welcome.id);
    const held = await server.stats(id);
    assert.deepEqual([held.sent, held.unacknowledged, held.waitingSends], [8, 8, 1]);
    c.send(rs.encodeControl(KIND.ACK, 5));
    for (let i = 9; i <= 13; i++) assert.equal((await c.frame(KIND.DATA)).sequence, i);
    assert.equal((await server.stats(id)).sent, 13);
    c.ws.close(1000);
  });

  test('a message over the limit closes with 1009 and ends the session', async () => {
    const { c, welcome } = await hello(server.url('/session/echo'));
    c.send(rs.encodeData(1, Buffer.alloc(2000), false));
    assert.equal((await c.closed()).code, 1009);
    const again = await hello(server.url('/session/echo'), welcome.id, 0);
    assert.equal(again.welcome.lost, true);
    again.c.ws.close(1000);
  });
});

describe('the client side of the protocol', () => {
  test('sends wait while the replay buffer is full and go out in order once acknowledged', async () => {
    const session = new rs.SessionCore({ maxUnackedMessages: 4 });
    const done = [];
    const sends = Array.from({ length: 10 }, (_, i) => session.send(`m${i}`).then(() => done.push(i)));
    await new Promise(r => setImmediate(r));
    assert.deepEqual(done, [0, 1, 2, 3]);
    session._onAck(3, 'ACK');
    await new Promise(r => setImmediate(r));
    assert.deepEqual(done, [0, 1, 2, 3, 4, 5, 6]);
    assert.throws(() => session._onAck(8, 'ACK'), /ACK 8 above the highest sequence sent 7/);
    session._onAck(7, 'ACK');
    await Promise.all(sends.slice(7));
    assert.equal(session.lastSent, 10);
    assert.deepEqual(session.kept.slice(session.keptHead).map(k => k.sequence), [8, 9, 10]);
  });

  test('the byte bound holds sends back too, but a lone oversized message still goes', async () => {
    const session = new rs.SessionCore({ maxUnackedBytes: 10 });
    await session.send(Buffer.alloc(25));
    let second = false;
    const pending = session.send('x').then(() => { second = true; });
    await new Promise(r => setImmediate(r));
    assert.equal(second, false);
    session._onAck(1, 'ACK');
    await pending;
    assert.equal(session.unacknowledged, 1);
  });

  test('the waiting queue is bounded: beyond it a send is refused, never dropped silently', async () => {
    const session = new rs.SessionCore({ maxUnackedMessages: 1, maxPendingSends: 2 });
    await session.send('a');
    session.send('b');
    session.send('c');
    await assert.rejects(session.send('d'), /too many sends waiting/);
  });
});
