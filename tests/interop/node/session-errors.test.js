'use strict';
// Self-tests of README rule 8 in both directions: frames that break it make the server close with 1002 (and end the
// session), and the hostile server's frames (/session/bad) make the client close with 1002. Run: npm test.
const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const rs = require('./rssession');
const { startServer, until, raw, hello, data } = require('./session-test-support');

const { KIND, ZERO_ID } = rs;

describe('protocol errors close with 1002 and a reason, and end the session', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(() => server.stop());

  const firstFrames = {
    'a text message': ['text', /text WebSocket message/],
    'an unknown kind': [Buffer.from([0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0]), /unknown frame kind 0x07/],
    'an empty message': [Buffer.alloc(0), /empty/],
    'a HELLO of the wrong size': [Buffer.concat([rs.encodeHello(ZERO_ID, 0), Buffer.from([0])]), /HELLO of 29 bytes/],
    'a HELLO of version 2': [(() => { const b = rs.encodeHello(ZERO_ID, 0); b[1] = 2; return b; })(), /version 2/],
    'a HELLO with a reserved byte set': [(() => { const b = rs.encodeHello(ZERO_ID, 0); b[3] = 1; return b; })(), /reserved/],
    'a first frame that is not HELLO': [rs.encodeControl(KIND.PING, 1), /first frame is PING, not HELLO/],
    'a new session HELLO with a last received': [rs.encodeHello(ZERO_ID, 1), /above the highest sequence sent 0/],
  };
  for (const [name, [frame, reason]] of Object.entries(firstFrames)) {
    test(`first frame: ${name}`, async () => {
      const c = raw(server.url('/session/echo'));
      await c.opened;
      c.send(frame);
      const close = await c.closed();
      assert.equal(close.code, 1002);
      assert.match(close.reason, reason);
    });
  }

  const later = {
    'a second HELLO': [() => rs.encodeHello(ZERO_ID, 0), /second HELLO/],
    'a WELCOME': [() => rs.encodeWelcome(0, ZERO_ID, 0, 0), /second WELCOME/],
    'an ACK of the wrong size': [() => Buffer.alloc(11, 0).fill(KIND.ACK, 0, 1), /ACK of 11 bytes/],
    'a PONG with a reserved byte set': [() => { const b = rs.encodeControl(KIND.PONG, 0); b[1] = 1; return b; }, /PONG reserved/],
    'a DATA with an unknown flag bit': [() => { const b = data(1, 'x'); b[1] = 0x02; return b; }, /unknown flag/],
    'a DATA sequence of 0': [() => data(0, 'x'), /sequence 0/],
    'a sequence gap': [() => data(2, 'x'), /gap: DATA 2 after 0/],
    'an ACK above the highest sequence sent': [() => rs.encodeControl(KIND.ACK, 1), /ACK 1 above the highest sequence sent 0/],
    'an ACK of 2^64-1': [() => rs.encodeControl(KIND.ACK, Buffer.alloc(8, 0xff)), /above the highest sequence sent/],
    'a text message': [() => 'text', /text WebSocket message/],
  };
  for (const [name, [frame, reason]] of Object.entries(later)) {
    test(`after WELCOME: ${name}; a later HELLO for the session is told lost`, async () => {
      const { c, welcome } = await hello(server.url('/session/echo'));
      c.send(frame());
      const close = await c.closed();
      assert.equal(close.code, 1002);
      assert.match(close.reason, reason);
      const again = await hello(server.url('/session/echo'), welcome.id, 0);
      assert.equal(again.welcome.lost, true);
      again.c.ws.close(1000);
    });
  }

  test('a resuming HELLO whose last received is above what the server sent', async () => {
    const { c, welcome } = await hello(server.url('/session/echo'));
    c.ws.terminate();
    const again = raw(server.url('/session/echo'));
    await again.opened;
    again.send(rs.encodeHello(welcome.id, 7));
    const close = await again.closed();
    assert.equal(close.code, 1002);
    assert.match(close.reason, /HELLO last received 7 above the highest sequence sent 0/);
    const third = await hello(server.url('/session/echo'), welcome.id, 0);
    assert.equal(third.welcome.lost, true);
    third.c.ws.close(1000);
  });

  test('a client that closes with 1002 ends the session on the server too', async () => {
    const { c, welcome } = await hello(server.url('/session/echo'));
    c.ws.close(1002, 'the client found a protocol error');
    await c.closed();
    const stats = await until(async () => { const s = await server.stats(rs.idToString(welcome.id)); return s.ended && s; }, 'the end');
    assert.match(stats.endReason, /1002/);
    const again = await hello(server.url('/session/echo'), welcome.id, 0);
    assert.equal(again.welcome.lost, true);
    again.c.ws.close(1000);
  });

  test('the server records the reasons it closed with', async () => {
    const stats = await server.get('/stats');
    assert.ok(stats.protocolErrors.length > 0);
  });
});

describe('the hostile server (/session/bad) sees the client close with 1002', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(() => server.stop());

  const cases = {
    'no-welcome': /first frame is DATA, not WELCOME/,
    'welcome-size': /WELCOME of 31 bytes/,
    'welcome-version': /WELCOME version 2/,
    'welcome-flags': /WELCOME unknown flag bits/,
    'welcome-reserved': /WELCOME reserved/,
    'welcome-last-received': /last received 5 above the highest sequence sent 0/,
    'welcome-text': /text WebSocket message/,
    'second-welcome': /second WELCOME/,
    'hello': /second HELLO/,
    'text': /text WebSocket message/,
    'unknown-kind': /unknown frame kind/,
    'empty': /empty/,
    'control-size': /PING of 11 bytes/,
    'control-reserved': /PING reserved/,
    'data-short': /DATA of 9 bytes/,
    'data-flags': /DATA unknown flag bits/,
    'sequence-zero': /DATA sequence 0/,
    'gap': /sequence gap/,
    'ack-above': /ACK 1 above the highest sequence sent 0/,
  };
  for (const [what, reason] of Object.entries(cases)) {
    test(`probe ${what}`, async () => {
      const client = new rs.SessionClient(server.url(`/session/bad?what=${what}`));
      const error = new Promise(resolve => client.once('protocol-error', resolve));
      client.connect().catch(() => {});
      assert.match(await error, reason);
      const record = await until(async () => (await server.get('/stats')).probes.find(p => p.what === what && p.closeCode), 'the close');
      assert.equal(record.closeCode, 1002);
      assert.match(record.closeReason, reason);
    });
  }

  test('probe oversized: a DATA over the client limit closes with 1009', async () => {
    const client = new rs.SessionClient(server.url('/session/bad?what=oversized&size=4096'), { maxPayload: 1024 });
    await client.connect();
    const record = await until(async () => (await server.get('/stats')).probes.find(p => p.what === 'oversized' && p.closeCode), 'the close');
    assert.equal(record.closeCode, 1009);
  });
});

