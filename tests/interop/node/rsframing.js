'use strict';
// The ResilientSockets chunked-transfer wire format (version 1), written from the README's byte tables
// only, as any JavaScript author would: encoder, decoder, reassembler and a windowed sender.
const zlib = require('zlib');

const HEADER = 44;
const VERSION = 1;
const KIND = { DATA: 1, ACK: 2, CANCEL: 3, ERROR: 4 };
const ERR = { INVALID_FRAME: 1, CRC_MISMATCH: 2, LENGTH_MISMATCH: 3, CONFLICTING_DUPLICATE: 4, TOO_LARGE: 5, TOO_MANY: 6, TIMED_OUT: 7, CANCELLED: 8, SINK_FAILED: 9 };
const FLAG_METADATA = 0x01;

function isFrame(buf) {
  return buf.length >= 2 && buf[0] === 0x52 && buf[1] === 0x53;
}

function idToBuffer(id) {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

function bufferToId(buf) {
  const h = buf.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function encodeFrame({ kind, id, chunkId = 0, totalChunks = 0, chunkSize = 0, metadata = false }, payload = Buffer.alloc(0)) {
  const frame = Buffer.alloc(HEADER + payload.length);
  frame[0] = 0x52; frame[1] = 0x53; frame[2] = VERSION; frame[3] = kind; frame[4] = metadata ? FLAG_METADATA : 0;
  idToBuffer(id).copy(frame, 8);
  frame.writeUInt32BE(chunkId, 24);
  frame.writeUInt32BE(totalChunks, 28);
  frame.writeUInt32BE(chunkSize, 32);
  frame.writeUInt32BE(payload.length, 36);
  frame.writeUInt32BE(zlib.crc32(payload) >>> 0, 40);
  payload.copy(frame, HEADER);
  return frame;
}

class FrameError extends Error {
  constructor(code, message, id) { super(message); this.code = code; this.id = id; }
}

function decodeFrame(buf) {
  if (buf.length < HEADER) throw new FrameError(ERR.INVALID_FRAME, 'short frame');
  if (!isFrame(buf) || buf[2] !== VERSION) throw new FrameError(ERR.INVALID_FRAME, 'bad magic or version');
  const id = bufferToId(buf.subarray(8, 24));
  const f = {
    kind: buf[3], metadata: (buf[4] & FLAG_METADATA) !== 0, id,
    chunkId: buf.readUInt32BE(24), totalChunks: buf.readUInt32BE(28), chunkSize: buf.readUInt32BE(32),
    length: buf.readUInt32BE(36), crc: buf.readUInt32BE(40), payload: buf.subarray(HEADER),
  };
  if (buf[5] || buf[6] || buf[7] || (buf[4] & ~FLAG_METADATA)) throw new FrameError(ERR.INVALID_FRAME, 'reserved bits', id);
  if (f.length !== buf.length - HEADER) throw new FrameError(ERR.LENGTH_MISMATCH, 'length lies', id);
  if ((zlib.crc32(f.payload) >>> 0) !== f.crc) throw new FrameError(ERR.CRC_MISMATCH, 'crc mismatch', id);
  if (f.kind === KIND.DATA && (f.totalChunks === 0 || f.chunkId >= f.totalChunks || f.chunkSize === 0)) throw new FrameError(ERR.INVALID_FRAME, 'bad data header', id);
  return f;
}

function readString(buf, at) {
  const len = buf.readUInt16BE(at);
  if (len === 0xffff) return [null, at + 2];
  return [buf.subarray(at + 2, at + 2 + len).toString('utf8'), at + 2 + len];
}

function writeString(s) {
  if (s === null || s === undefined) return Buffer.from([0xff, 0xff]);
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2); len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function encodeMetadata({ totalLength, contentType = null, name = null, headers = {} }) {
  const total = Buffer.alloc(8); total.writeBigUInt64BE(BigInt(totalLength));
  const entries = Object.entries(headers);
  const count = Buffer.alloc(2); count.writeUInt16BE(entries.length);
  const block = Buffer.concat([total, writeString(contentType), writeString(name), count, ...entries.flatMap(([k, v]) => [writeString(k), writeString(v)])]);
  const len = Buffer.alloc(4); len.writeUInt32BE(block.length);
  return Buffer.concat([len, block]);
}

function decodeMetadata(payload) {
  const len = payload.readUInt32BE(0);
  const block = payload.subarray(4, 4 + len);
  const totalLength = Number(block.readBigUInt64BE(0));
  let at = 8; let contentType; let name;
  [contentType, at] = readString(block, at);
  [name, at] = readString(block, at);
  const count = block.readUInt16BE(at); at += 2;
  const headers = {};
  for (let i = 0; i < count; i++) { let k; let v; [k, at] = readString(block, at); [v, at] = readString(block, at); headers[k] = v; }
  return { metadata: { totalLength, contentType, name, headers }, data: payload.subarray(4 + len) };
}

// Receives transfers; keep one instance across reconnects so transfers resume.
class Reassembler {
  constructor() { this.transfers = new Map(); this.done = new Map(); }

  process(f, reply) {
    if (f.kind === KIND.CANCEL) { this.transfers.delete(f.id); return null; }
    if (f.kind !== KIND.DATA) return null;
    if (this.done.has(f.id)) { reply(encodeFrame({ kind: KIND.ACK, id: f.id, chunkId: f.totalChunks, totalChunks: f.totalChunks })); return null; }
    let t = this.transfers.get(f.id);
    if (!t) { t = { total: f.totalChunks, chunkSize: f.chunkSize, chunks: new Map(), crcs: new Map(), contiguous: 0, metadata: null }; this.transfers.set(f.id, t); }
    let data = f.payload;
    if (f.metadata) { const m = decodeMetadata(f.payload); t.metadata = m.metadata; data = m.data; }
    if (t.chunks.has(f.chunkId)) {
      if (t.crcs.get(f.chunkId) !== f.crc) { this.transfers.delete(f.id); reply(errorFrame(f.id, ERR.CONFLICTING_DUPLICATE, 'conflicting duplicate')); return null; }
    } else {
      const last = f.chunkId === t.total - 1;
      if ((!last && data.length !== t.chunkSize) || (last && data.length > t.chunkSize)) {
        this.transfers.delete(f.id); reply(errorFrame(f.id, ERR.LENGTH_MISMATCH, 'chunk length')); return null;
      }
      t.chunks.set(f.chunkId, Buffer.from(data)); t.crcs.set(f.chunkId, f.crc);
      while (t.chunks.has(t.contiguous)) t.contiguous++;
    }
    reply(encodeFrame({ kind: KIND.ACK, id: f.id, chunkId: t.contiguous, totalChunks: t.total }));
    if (t.chunks.size !== t.total) return null;
    this.transfers.delete(f.id); this.done.set(f.id, true);
    const bytes = Buffer.concat([...Array(t.total).keys()].map(i => t.chunks.get(i)));
    return { id: f.id, metadata: t.metadata, bytes };
  }
}

function errorFrame(id, code, reason) {
  const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason, 'utf8')]);
  return encodeFrame({ kind: KIND.ERROR, id }, payload);
}

// Sends bytes as a transfer with an ack window; onAck must be fed every Ack/Error frame for this id.
function createSender(send, bytes, { id, chunkSize = 65536, window = 8, metadata = null }) {
  const total = bytes.length === 0 ? 1 : Math.ceil(bytes.length / chunkSize);
  let acked = 0; let next = 0; let failed = null; let wake = null;
  const chunk = i => {
    let payload = bytes.subarray(i * chunkSize, Math.min(bytes.length, (i + 1) * chunkSize));
    const withMeta = i === 0 && metadata !== null;
    if (withMeta) payload = Buffer.concat([encodeMetadata({ ...metadata, totalLength: bytes.length }), payload]);
    return encodeFrame({ kind: KIND.DATA, id, chunkId: i, totalChunks: total, chunkSize, metadata: withMeta }, payload);
  };
  const done = (async () => {
    while (acked < total) {
      while (next < total && next - acked < window) send(chunk(next++));
      await new Promise(resolve => { wake = resolve; });
      if (failed) throw failed;
    }
  })();
  return {
    done,
    onControl(f) {
      if (f.kind === KIND.ACK && f.chunkId > acked) acked = f.chunkId;
      if (f.kind === KIND.ERROR) failed = new Error(`receiver failed the transfer: ${f.payload.readUInt16BE(0)}`);
      if (wake) { const w = wake; wake = null; w(); }
    },
  };
}

module.exports = { HEADER, KIND, ERR, isFrame, encodeFrame, decodeFrame, Reassembler, createSender, FrameError };
