'use strict';
// The ResilientSockets session protocol (version 1), written from the README's tables only ("Session wire format,
// version 1"), part one: the frame codec with the README's rule-8 checks, and the per-session state both sides share
// (sequence numbers, a bounded replay buffer with back-pressure, duplicate suppression, batched cumulative ACKs).
// rssession.js builds the server and the client on it.
const { EventEmitter } = require('events');

const SUBPROTOCOL = 'resilientsockets.session.v1';
const VERSION = 1;
const KIND = { HELLO: 1, WELCOME: 2, DATA: 3, ACK: 4, PING: 5, PONG: 6 };
const KIND_NAME = { 1: 'HELLO', 2: 'WELCOME', 3: 'DATA', 4: 'ACK', 5: 'PING', 6: 'PONG' };
const SIZE = { HELLO: 28, WELCOME: 32, DATA_HEADER: 10, CONTROL: 10 };
const WELCOME_FLAG = { RESUMED: 0x01, LOST: 0x02 };
const DATA_FLAG_TEXT = 0x01;
const CLOSE = { NORMAL: 1000, PROTOCOL_ERROR: 1002, TOO_BIG: 1009 };
const ZERO_ID = Buffer.alloc(16);
const DEFAULTS = {
  ackEvery: 32, ackDelayMs: 50, // README rule 3
  maxUnackedMessages: 4096, maxUnackedBytes: 4 * 1024 * 1024, // README rule 4 (the .NET client's defaults)
  maxPendingSends: 65536, // sends waiting for room beyond that are refused: memory stays bounded
  resumeWindowMs: 2 * 60 * 1000, // README rule 6
  helloTimeoutMs: 10000,
};

class ProtocolError extends Error {}

// Sequence numbers are 64-bit; beyond 2^53 they are clamped, which is still above anything this side ever sent.
function readU64(buf, offset) {
  const v = buf.readBigUInt64BE(offset);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER + 1 : Number(v);
}

function idToString(id) {
  const h = id.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function idFromString(text) {
  return Buffer.from(text.replace(/-/g, ''), 'hex');
}

function encodeHello(id, lastReceived) {
  const f = Buffer.alloc(SIZE.HELLO);
  f[0] = KIND.HELLO; f[1] = VERSION;
  (id || ZERO_ID).copy(f, 4);
  f.writeBigUInt64BE(BigInt(lastReceived), 20);
  return f;
}

function encodeWelcome(flags, id, lastReceived, resumeWindowMs) {
  const f = Buffer.alloc(SIZE.WELCOME);
  f[0] = KIND.WELCOME; f[1] = VERSION; f[2] = flags;
  id.copy(f, 4);
  f.writeBigUInt64BE(BigInt(lastReceived), 20);
  f.writeUInt32BE(Math.min(resumeWindowMs, 0xffffffff) >>> 0, 28);
  return f;
}

function encodeData(sequence, payload, text) {
  const f = Buffer.allocUnsafe(SIZE.DATA_HEADER + payload.length);
  f[0] = KIND.DATA; f[1] = text ? DATA_FLAG_TEXT : 0;
  f.writeBigUInt64BE(BigInt(sequence), 2);
  payload.copy(f, SIZE.DATA_HEADER);
  return f;
}

// ACK, PING, PONG. `value` is a number, or the raw 8 bytes of a PING's counter (a PONG echoes them unchanged).
function encodeControl(kind, value) {
  const f = Buffer.alloc(SIZE.CONTROL);
  f[0] = kind;
  if (Buffer.isBuffer(value)) value.copy(f, 2); else f.writeBigUInt64BE(BigInt(value), 2);
  return f;
}

// One received WebSocket message -> a frame object, or a ProtocolError naming the broken rule (README rule 8).
function decodeFrame(data, isBinary) {
  const bad = why => new ProtocolError(why);
  if (!isBinary) throw bad('text WebSocket message in a session');
  const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
  if (buf.length === 0) throw bad('empty message: no frame kind');
  const kind = buf[0];
  const name = KIND_NAME[kind];
  if (!name) throw bad(`unknown frame kind 0x${kind.toString(16).padStart(2, '0')}`);
  switch (kind) {
    case KIND.HELLO:
      if (buf.length !== SIZE.HELLO) throw bad(`HELLO of ${buf.length} bytes (must be 28)`);
      if (buf[1] !== VERSION) throw bad(`HELLO version ${buf[1]} (must be 1)`);
      if (buf[2] || buf[3]) throw bad('HELLO reserved field not 0');
      return { kind, id: Buffer.from(buf.subarray(4, 20)), lastReceived: readU64(buf, 20) };
    case KIND.WELCOME: {
      if (buf.length !== SIZE.WELCOME) throw bad(`WELCOME of ${buf.length} bytes (must be 32)`);
      if (buf[1] !== VERSION) throw bad(`WELCOME version ${buf[1]} (must be 1)`);
      const flags = buf[2];
      if (flags & ~(WELCOME_FLAG.RESUMED | WELCOME_FLAG.LOST)) throw bad('WELCOME unknown flag bits');
      if (flags === (WELCOME_FLAG.RESUMED | WELCOME_FLAG.LOST)) throw bad('WELCOME both resumed and lost');
      if (buf[3]) throw bad('WELCOME reserved field not 0');
      return {
        kind, resumed: (flags & WELCOME_FLAG.RESUMED) !== 0, lost: (flags & WELCOME_FLAG.LOST) !== 0,
        id: Buffer.from(buf.subarray(4, 20)), lastReceived: readU64(buf, 20), resumeWindowMs: buf.readUInt32BE(28),
      };
    }
    case KIND.DATA: {
      if (buf.length < SIZE.DATA_HEADER) throw bad(`DATA of ${buf.length} bytes (header is 10)`);
      if (buf[1] & ~DATA_FLAG_TEXT) throw bad('DATA unknown flag bits');
      const sequence = readU64(buf, 2);
      if (sequence === 0) throw bad('DATA sequence 0');
      return { kind, sequence, text: (buf[1] & DATA_FLAG_TEXT) !== 0, payload: buf.subarray(SIZE.DATA_HEADER) };
    }
    default:
      if (buf.length !== SIZE.CONTROL) throw bad(`${name} of ${buf.length} bytes (must be 10)`);
      if (buf[1]) throw bad(`${name} reserved field not 0`);
      return { kind, value: readU64(buf, 2), raw: Buffer.from(buf.subarray(2, 10)) };
  }
}

// A close reason is at most 123 bytes of UTF-8 (RFC 6455 5.5); the reasons here are ASCII.
function closeReason(text) {
  return text.length > 123 ? text.slice(0, 123) : text;
}

// The state one side keeps for a session, whatever connection it is on. Emits 'message' (payload, text),
// 'end' (reason), 'lost' ({ unacknowledged, notSent }).
class SessionCore extends EventEmitter {
  constructor(options) {
    super();
    this.options = { ...DEFAULTS, ...options };
    this.id = ZERO_ID;
    this.ws = null;
    this.ended = false;
    this.endReason = null;
    this._resetSequences();
    this.pending = []; // sends waiting for room: { payload, text, resolve, reject }
    this.stats = { receivedCount: 0, duplicatesDropped: 0, sent: 0, replayed: 0, resumes: 0, connections: 0, lost: false, lostUnacknowledged: 0 };
  }

  get sessionId() { return idToString(this.id); }
  get unacknowledged() { return this.kept.length - this.keptHead; }

  _resetSequences() {
    this.lastSent = 0; // the highest sequence this side assigned
    this.peerAcked = 0; // the highest cumulative ACK received
    this.delivered = 0; // the highest sequence handed to the application
    this.kept = []; // sent, not acknowledged: { sequence, frame } ; entries before keptHead are gone
    this.keptHead = 0;
    this.keptBytes = 0;
    this.unackedDelivered = 0;
    this._clearAckTimer();
  }

  // Resolves once the message is in the replay buffer (and written, when attached): the back-pressure point.
  send(data, { text = typeof data === 'string' } = {}) {
    if (this.ended) return Promise.reject(new Error(`session ${this.sessionId} has ended: ${this.endReason}`));
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (this.pending.length === 0 && this._hasRoom(payload.length)) {
      this._keepAndWrite(payload, text);
      return Promise.resolve();
    }
    if (this.pending.length >= this.options.maxPendingSends) return Promise.reject(new Error('too many sends waiting for room in the replay buffer'));
    return new Promise((resolve, reject) => this.pending.push({ payload, text, resolve, reject }));
  }

  // A message larger than the byte bound still goes alone, or it could never be sent.
  _hasRoom(size) {
    const count = this.unacknowledged;
    return count === 0 || (count < this.options.maxUnackedMessages && this.keptBytes + size <= this.options.maxUnackedBytes);
  }

  _keepAndWrite(payload, text) {
    const sequence = ++this.lastSent;
    const frame = encodeData(sequence, payload, text);
    this.kept.push({ sequence, frame });
    this.keptBytes += payload.length;
    this.stats.sent++;
    if (this.ws) this.ws.send(frame);
  }

  _drainPending() {
    while (this.pending.length > 0 && this._hasRoom(this.pending[0].payload.length)) {
      const p = this.pending.shift();
      this._keepAndWrite(p.payload, p.text);
      p.resolve();
    }
  }

  // Cumulative: discards every kept DATA up to `value`. HELLO's and WELCOME's `last received` come here too.
  _onAck(value, what) {
    if (value > this.lastSent) throw new ProtocolError(`${what} ${value} above the highest sequence sent ${this.lastSent}`);
    if (value <= this.peerAcked) return; // stale
    this.peerAcked = value;
    while (this.keptHead < this.kept.length && this.kept[this.keptHead].sequence <= value) {
      this.keptBytes -= this.kept[this.keptHead].frame.length - SIZE.DATA_HEADER;
      this.kept[this.keptHead++] = undefined;
    }
    if (this.keptHead > 1024 && this.keptHead * 2 > this.kept.length) { this.kept = this.kept.slice(this.keptHead); this.keptHead = 0; }
    this._drainPending();
  }

  _onData(frame) {
    if (frame.sequence <= this.delivered) {
      this.stats.duplicatesDropped++;
    } else if (frame.sequence === this.delivered + 1) {
      this.delivered++;
      this.stats.receivedCount++;
      this.emit('message', frame.payload, frame.text);
    } else {
      throw new ProtocolError(`sequence gap: DATA ${frame.sequence} after ${this.delivered}`);
    }
    if (++this.unackedDelivered >= this.options.ackEvery) this._sendAck();
    else if (!this.ackTimer) this.ackTimer = setTimeout(() => this._sendAck(), this.options.ackDelayMs);
  }

  // Frames every attached side handles alike; HELLO/WELCOME are the caller's.
  _onFrame(frame) {
    switch (frame.kind) {
      case KIND.DATA: this._onData(frame); break;
      case KIND.ACK: this._onAck(frame.value, 'ACK'); break;
      case KIND.PING: this.ws.send(encodeControl(KIND.PONG, frame.raw)); break;
      case KIND.PONG: this.emit('pong', frame.value); break;
      default: throw new ProtocolError(`second ${KIND_NAME[frame.kind]} on one connection`);
    }
  }

  _sendAck() {
    this._clearAckTimer();
    this.unackedDelivered = 0;
    if (this.ws) this.ws.send(encodeControl(KIND.ACK, this.delivered));
  }

  _clearAckTimer() {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }

  // After HELLO/WELCOME: the peer's `last received` acknowledges, then everything it lacks is replayed in order,
  // then the sends that waited for room go out.
  _attach(ws, peerLastReceived) {
    this._onAck(peerLastReceived, 'last received');
    this.ws = ws;
    this.stats.connections++;
    this.unackedDelivered = 0; // our `last received` in HELLO/WELCOME acknowledged everything delivered so far
    for (let i = this.keptHead; i < this.kept.length; i++) {
      ws.send(this.kept[i].frame);
      this.stats.replayed++;
    }
    this._drainPending();
  }

  _detach() {
    this.ws = null;
    this._clearAckTimer();
  }

  _end(reason) {
    if (this.ended) return;
    this.ended = true;
    this.endReason = reason;
    this._detach();
    const error = new Error(`session ${this.sessionId} has ended: ${reason}`);
    for (const p of this.pending.splice(0)) p.reject(error);
    this.emit('end', reason);
  }

  // The session is gone while messages may be undelivered: reported with the counts, then ended.
  _lose(reason) {
    this.stats.lost = true;
    this.stats.lostUnacknowledged = this.unacknowledged;
    const info = { unacknowledged: this.unacknowledged, notSent: this.pending.length, reason };
    this.emit('lost', info);
    this._end(reason);
    return info;
  }

  snapshot() {
    return {
      id: this.sessionId, attached: this.ws !== null, ended: this.ended, endReason: this.endReason,
      delivered: this.delivered, sentSequence: this.lastSent, acked: this.peerAcked,
      unacknowledged: this.unacknowledged, unacknowledgedBytes: this.keptBytes, waitingSends: this.pending.length,
      ...this.stats,
    };
  }
}

module.exports = {
  SUBPROTOCOL, VERSION, KIND, SIZE, WELCOME_FLAG, DATA_FLAG_TEXT, CLOSE, ZERO_ID, DEFAULTS,
  ProtocolError, SessionCore, decodeFrame, encodeHello, encodeWelcome, encodeData, encodeControl,
  idToString, idFromString, closeReason,
};
