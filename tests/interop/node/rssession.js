'use strict';
// The ResilientSockets session protocol (version 1), written from the README's tables only ("Session wire format,
// version 1"), part two: a server that keeps sessions across connections (detached ones for a resume window, any
// number of reattaches, a new HELLO replacing a still-attached connection) and a minimal client for the self-tests.
// The codec and the per-session state are in rssession-core.js; this module re-exports them.
const crypto = require('crypto');
const { EventEmitter } = require('events');
const WebSocket = require('ws');
const core = require('./rssession-core');

const { SUBPROTOCOL, KIND, WELCOME_FLAG, CLOSE, ZERO_ID, DEFAULTS, ProtocolError, SessionCore, decodeFrame } = core;
const KIND_NAMES = ['?', 'HELLO', 'WELCOME', 'DATA', 'ACK', 'PING', 'PONG'];

// A fresh random id, shaped as an RFC 4122 version-4 UUID.
function newId() {
  const id = crypto.randomBytes(16);
  id[6] = (id[6] & 0x0f) | 0x40;
  id[8] = (id[8] & 0x3f) | 0x80;
  return id;
}

// One session on the server, as the application sees it: 'message' (payload, text) events, send(), close().
class ServerSession extends SessionCore {
  constructor(server, id, request) {
    super(server.options);
    this.server = server;
    this.id = id;
    this.url = new URL(request.url, 'http://localhost');
    this.windowTimer = null;
  }

  // The application ends the session: close 1000, nothing kept for resume (README rule 7).
  close(reason = 'session ended by the server application') {
    if (this.ended) return;
    const ws = this.ws;
    this.server._endSession(this, 'ended by the server application');
    if (ws) ws.close(CLOSE.NORMAL, core.closeReason(reason));
  }
}

// Call handleConnection for every WebSocket connection whose handshake selected SUBPROTOCOL. Emits 'session'
// (session, request) for every new session (also after `lost`), 'lost' (session, info) when a resume window ran out,
// and 'protocol-error' (reason, session or null).
class SessionServer extends EventEmitter {
  constructor(options = {}) {
    super();
    this.options = { ...DEFAULTS, ...options };
    this.sessions = new Map(); // id text -> ServerSession, attached or detached
    this.history = []; // every session ever created, newest last, for statistics (bounded)
    this.lostHellos = 0;
    this.protocolErrors = [];
    this.handleProtocols = protocols => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false);
  }

  handleConnection(ws, request) {
    if (ws.protocol !== SUBPROTOCOL) {
      ws.close(CLOSE.PROTOCOL_ERROR, `subprotocol ${SUBPROTOCOL} was not negotiated`);
      return;
    }
    let session = null;
    let failed = false;
    let tooBig = false;
    const fail = reason => {
      if (failed) return;
      failed = true;
      clearTimeout(helloTimer);
      this.protocolErrors.push(reason);
      if (this.protocolErrors.length > 100) this.protocolErrors.shift();
      this.emit('protocol-error', reason, session);
      if (session && session.ws === ws) this._endSession(session, `protocol error: ${reason}`);
      ws.close(CLOSE.PROTOCOL_ERROR, core.closeReason(reason));
    };
    const helloTimer = setTimeout(() => fail(`no HELLO within ${this.options.helloTimeoutMs} ms`), this.options.helloTimeoutMs);

    ws.on('message', (data, isBinary) => {
      if (failed || (session && session.ws !== ws)) return; // failed, or replaced by a newer connection
      try {
        const frame = decodeFrame(data, isBinary);
        if (session) {
          session._onFrame(frame);
        } else if (frame.kind !== KIND.HELLO) {
          throw new ProtocolError(`first frame is ${KIND_NAMES[frame.kind]}, not HELLO`);
        } else {
          clearTimeout(helloTimer);
          session = this._hello(ws, frame, request);
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        fail(e.message);
      }
    });
    ws.on('error', e => { if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') tooBig = true; });
    ws.on('close', code => {
      clearTimeout(helloTimer);
      if (!session || session.ws !== ws || session.ended) return;
      if (code === CLOSE.NORMAL) this._endSession(session, 'closed by the client (1000)');
      // The client found a protocol error and ended its side (rule 8); keeping ours would only wait for the window.
      else if (code === CLOSE.PROTOCOL_ERROR) this._endSession(session, 'the client closed with 1002 (protocol error)');
      // Replaying the message over the limit would only close again: the session ends (see the report's assumptions).
      else if (tooBig) this._endSession(session, 'message over the size limit (1009)');
      else this._detachSession(session);
    });
  }

  _hello(ws, hello, request) {
    let session;
    let flags = 0;
    let peerLastReceived = hello.lastReceived;
    if (hello.id.equals(ZERO_ID)) {
      if (peerLastReceived !== 0) throw new ProtocolError(`HELLO last received ${peerLastReceived} above the highest sequence sent 0 (new session)`);
      session = this._create(request);
    } else {
      session = this.sessions.get(core.idToString(hello.id));
      if (!session) {
        this.lostHellos++;
        session = this._create(request);
        flags = WELCOME_FLAG.LOST;
        peerLastReceived = 0; // it counted another session's messages
      } else {
        if (peerLastReceived > session.lastSent) {
          this._endSession(session, 'protocol error: HELLO last received above the highest sequence sent');
          throw new ProtocolError(`HELLO last received ${peerLastReceived} above the highest sequence sent ${session.lastSent}`);
        }
        clearTimeout(session.windowTimer);
        if (session.ws) { // a new HELLO replaces a still-attached connection (README rule 6)
          const old = session.ws;
          session._detach();
          old.terminate();
        }
        session.stats.resumes++;
        flags = WELCOME_FLAG.RESUMED;
      }
    }
    ws.send(core.encodeWelcome(flags, session.id, session.delivered, this.options.resumeWindowMs));
    session._attach(ws, peerLastReceived);
    if (flags === WELCOME_FLAG.RESUMED) session.emit('resumed');
    else this.emit('session', session, request);
    return session;
  }

  _create(request) {
    const session = new ServerSession(this, newId(), request);
    this.sessions.set(session.sessionId, session);
    this.history.push(session);
    if (this.history.length > 10000) this.history.shift();
    return session;
  }

  _detachSession(session) {
    session._detach();
    session.emit('detached');
    session.windowTimer = setTimeout(() => {
      this.sessions.delete(session.sessionId);
      const info = session._lose('resume window expired');
      this.emit('lost', session, info);
    }, this.options.resumeWindowMs);
  }

  _endSession(session, reason) {
    clearTimeout(session.windowTimer);
    this.sessions.delete(session.sessionId);
    session._end(reason);
  }

  // Test hooks. cutAll: abort every attached connection (no close frame), as a network cut on the server side would.
  cutAll() {
    let cut = 0;
    for (const session of this.sessions.values()) if (session.ws) { session.ws.terminate(); cut++; }
    return cut;
  }

  // forgetAll: as a server restart would, lose every session without a word and abort its connection.
  forgetAll() {
    const sessions = [...this.sessions.values()];
    for (const session of sessions) {
      const ws = session.ws;
      this._endSession(session, 'forgotten (simulated server restart)');
      if (ws) ws.terminate();
    }
    return sessions.length;
  }

  close() {
    for (const session of this.sessions.values()) clearTimeout(session.windowTimer);
  }
}

// A minimal client: connect() opens a connection and says HELLO (resuming its session when it has one); the caller
// decides when to reconnect. Emits 'message', 'lost' ({ unacknowledged }), 'close' (code, reason, wasAttached), 'protocol-error'.
class SessionClient extends SessionCore {
  constructor(url, options = {}) {
    super(options);
    this.url = url;
    this.stats.sessionsLost = 0;
  }

  // Resolves with { resumed, lost } once WELCOME is handled; rejects when the connection fails before it.
  connect() {
    if (this.ended) return Promise.reject(new Error('session ended'));
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, this.options.protocols || [SUBPROTOCOL], { maxPayload: this.options.maxPayload || 64 * 1024 * 1024 });
      this.connecting = ws;
      let welcomed = false;
      let failed = false;
      ws.on('open', () => {
        if (ws.protocol !== SUBPROTOCOL) {
          failed = true;
          ws.close(CLOSE.NORMAL);
          reject(new Error(`the server did not select the subprotocol ${SUBPROTOCOL}`));
          return;
        }
        ws.send(core.encodeHello(this.id, this.delivered));
      });
      ws.on('message', (data, isBinary) => {
        if (failed || (welcomed && this.ws !== ws)) return;
        try {
          const frame = decodeFrame(data, isBinary);
          if (welcomed) {
            this._onFrame(frame);
          } else if (frame.kind !== KIND.WELCOME) {
            throw new ProtocolError(`first frame is ${KIND_NAMES[frame.kind]}, not WELCOME`);
          } else {
            welcomed = true;
            resolve(this._welcome(ws, frame));
          }
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          failed = true;
          this.emit('protocol-error', e.message);
          ws.close(CLOSE.PROTOCOL_ERROR, core.closeReason(e.message));
          this._end(`protocol error: ${e.message}`);
          reject(e);
        }
      });
      ws.on('error', e => reject(e));
      ws.on('close', (code, reason) => {
        if (!welcomed) reject(new Error(`closed before WELCOME: ${code} ${reason}`));
        const attached = this.ws === ws;
        if (attached) {
          this._detach();
          if (code === CLOSE.NORMAL) this._end(`closed by the server: ${reason}`);
        }
        this.emit('close', code, reason.toString(), attached);
      });
    });
  }

  _welcome(ws, welcome) {
    const hadSession = !this.id.equals(ZERO_ID);
    let lost = null;
    if (welcome.resumed) {
      if (!hadSession || !welcome.id.equals(this.id)) throw new ProtocolError('WELCOME resumed a session the HELLO did not name');
      this.stats.resumes++;
    } else {
      // `lost`, or both flags 0 although HELLO named a session: either way that session is gone.
      if (hadSession) {
        lost = { unacknowledged: this.unacknowledged };
        this.stats.sessionsLost++;
        this.stats.lostUnacknowledged += lost.unacknowledged;
        this._resetSequences();
        this.emit('lost', lost);
      }
      this.id = welcome.id;
    }
    this.welcome = welcome;
    this._attach(ws, welcome.lastReceived);
    return { resumed: welcome.resumed, lost };
  }

  ping(value) {
    this.ws.send(core.encodeControl(KIND.PING, value));
  }

  // Aborts the connection without a close frame (a cut); the session stays for a later connect().
  abort() {
    const ws = this.ws || this.connecting;
    if (ws) ws.terminate();
  }

  close() {
    const ws = this.ws;
    this._end('closed by the client');
    if (ws) ws.close(CLOSE.NORMAL);
  }
}

module.exports = { ...core, SessionServer, ServerSession, SessionClient, newId };
