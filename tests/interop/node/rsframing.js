'use strict';
// The ResilientSockets chunked-transfer wire format (version 1), written from the README's tables only
// ("Wire format, version 1"), as any JavaScript author would: encoder, decoder with the README's error
// rules in the README's order, a reassembler with limits, and a windowed sender.
const zlib = require('zlib');

const HEADER = 44;
const VERSION = 1;
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
const MAX_METADATA = 65536;
const MAX_ERROR_PAYLOAD = 1024;
const KIND = { DATA: 1, ACK: 2, CANCEL: 3, ERROR: 4 };
const ERR = { INVALID_FRAME: 1, CRC_MISMATCH: 2, LENGTH_MISMATCH: 3, CONFLICTING_DUPLICATE: 4, TOO_LARGE: 5, TOO_MANY: 6, TIMED_OUT: 7, CANCELLED: 8, SINK_FAILED: 9 };
const FLAG_METADATA = 0x01;
const utf8 = new TextDecoder('utf-8', { fatal: true });

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

// `raw` lets the test peer break the rules on purpose: { version, flags, reserved, kindByte, crc }.
function encodeFrame({ kind, id, chunkId = 0, totalChunks = 0, chunkSize = 0, metadata = false, raw = {} }, payload = Buffer.alloc(0)) {
  const frame = Buffer.alloc(HEADER + payload.length);
  frame[0] = 0x52; frame[1] = 0x53;
  frame[2] = raw.version ?? VERSION;
  frame[3] = raw.kindByte ?? kind;
  frame[4] = raw.flags ?? (metadata ? FLAG_METADATA : 0);
  frame[6] = raw.reserved ?? 0;
  idToBuffer(id).copy(frame, 8);
  frame.writeUInt32BE(chunkId >>> 0, 24);
  frame.writeUInt32BE(totalChunks >>> 0, 28);
  frame.writeUInt32BE(chunkSize >>> 0, 32);
  frame.writeUInt32BE(payload.length, 36);
  frame.writeUInt32BE(raw.crc ?? (zlib.crc32(payload) >>> 0), 40);
  payload.copy(frame, HEADER);
  return frame;
}

class FrameError extends Error {
  constructor(code, message, id) { super(message); this.code = code; this.id = id; }
}

// The README's frame rules, checked in its order; the first broken rule decides the code.
function decodeFrame(buf) {
  if (!isFrame(buf)) throw new FrameError(ERR.INVALID_FRAME, 'not a frame: magic missing');
  const id = buf.length >= 24 ? bufferToId(buf.subarray(8, 24)) : undefined; // bytes 0-23 are the same in every version
  const bad = (code, why) => new FrameError(code, `transfer ${id}: ${why}`, id);
  if (buf.length < HEADER) throw bad(ERR.INVALID_FRAME, `frame of ${buf.length} bytes is shorter than the header`);
  if (buf[2] !== VERSION) throw bad(ERR.INVALID_FRAME, `unsupported version ${buf[2]}`);
  const kind = buf[3];
  if (kind < KIND.DATA || kind > KIND.ERROR) throw bad(ERR.INVALID_FRAME, `unknown kind ${kind}`);
  if (buf[4] & ~FLAG_METADATA) throw bad(ERR.INVALID_FRAME, 'unknown flag bits');
  if (buf[5] || buf[6] || buf[7]) throw bad(ERR.INVALID_FRAME, 'reserved bytes are not 0');
  const f = {
    kind, metadata: (buf[4] & FLAG_METADATA) !== 0, id,
    chunkId: buf.readUInt32BE(24), totalChunks: buf.readUInt32BE(28), chunkSize: buf.readUInt32BE(32),
    length: buf.readUInt32BE(36), crc: buf.readUInt32BE(40), payload: buf.subarray(HEADER),
  };
  if (f.length !== buf.length - HEADER) throw bad(ERR.LENGTH_MISMATCH, 'payload_length disagrees with the message');
  if (f.metadata && (kind !== KIND.DATA || f.chunkId !== 0)) throw bad(ERR.INVALID_FRAME, 'metadata flag outside Data chunk 0');
  if (kind === KIND.DATA) {
    if (f.totalChunks === 0 || f.chunkId >= f.totalChunks) throw bad(ERR.INVALID_FRAME, 'chunk_id/total_chunks');
    if (f.chunkSize < 1 || f.chunkSize > MAX_CHUNK_SIZE) throw bad(ERR.INVALID_FRAME, `chunk_size ${f.chunkSize}`);
  }
  if ((kind === KIND.ACK || kind === KIND.CANCEL) && f.length !== 0) throw bad(ERR.INVALID_FRAME, 'control frame with a payload');
  if (kind === KIND.ERROR && (f.length < 2 || f.length > MAX_ERROR_PAYLOAD)) throw bad(ERR.INVALID_FRAME, 'error payload size');
  if (kind === KIND.DATA && f.length > f.chunkSize + (f.metadata ? 4 + MAX_METADATA : 0)) throw bad(ERR.LENGTH_MISMATCH, 'payload longer than chunk_size allows');
  if ((zlib.crc32(f.payload) >>> 0) !== f.crc) throw bad(ERR.CRC_MISMATCH, 'crc mismatch');
  return f;
}

function writeString(s) {
  if (s === null || s === undefined) return Buffer.from([0xff, 0xff]);
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'); // a Buffer lets the test peer send invalid UTF-8
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

function decodeMetadata(payload, id, maxTransferSize) {
  const bad = (code, why) => new FrameError(code, `transfer ${id}: metadata ${why}`, id);
  if (payload.length < 4) throw bad(ERR.INVALID_FRAME, 'length prefix truncated');
  const len = payload.readUInt32BE(0);
  if (len > MAX_METADATA) throw bad(ERR.INVALID_FRAME, `block of ${len} bytes is over ${MAX_METADATA}`);
  if (4 + len > payload.length) throw bad(ERR.INVALID_FRAME, 'block longer than the payload');
  const block = payload.subarray(4, 4 + len);
  let at = 0;
  const take = (n, field) => { if (at + n > block.length) throw bad(ERR.INVALID_FRAME, `ends inside the ${field}`); const s = block.subarray(at, at + n); at += n; return s; };
  const str = field => {
    const n = take(2, field).readUInt16BE(0);
    if (n === 0xffff) return null;
    try { return utf8.decode(take(n, field)); } catch (e) { if (e instanceof FrameError) throw e; throw bad(ERR.INVALID_FRAME, `${field} is not valid UTF-8`); }
  };
  const totalLength = take(8, 'total length').readBigUInt64BE(0);
  if (totalLength > BigInt(maxTransferSize)) throw bad(ERR.TOO_LARGE, `total length ${totalLength} exceeds ${maxTransferSize}`);
  const contentType = str('content type');
  const name = str('name');
  const count = take(2, 'header count').readUInt16BE(0);
  const headers = {};
  for (let i = 0; i < count; i++) { const k = str(`header ${i} key`); if (k === null) throw bad(ERR.INVALID_FRAME, 'absent header key'); headers[k] = str(`header ${i} value`) ?? ''; }
  if (at !== block.length) throw bad(ERR.INVALID_FRAME, 'trailing bytes');
  return { metadata: { totalLength: Number(totalLength), contentType, name, headers }, data: payload.subarray(4 + len) };
}

function ackFrame(id, contiguous, total) {
  return encodeFrame({ kind: KIND.ACK, id, chunkId: contiguous, totalChunks: total, chunkSize: 0 });
}

function errorFrame(id, code, reason) {
  let r = Buffer.from(reason, 'utf8');
  if (r.length > MAX_ERROR_PAYLOAD - 2) r = Buffer.from(r.subarray(0, MAX_ERROR_PAYLOAD - 2).toString('utf8').replace(/\uFFFD$/, ''), 'utf8');
  return encodeFrame({ kind: KIND.ERROR, id }, Buffer.concat([Buffer.from([code >> 8, code & 0xff]), r]));
}

// Receives transfers; keep one instance across reconnects so transfers resume. process() throws
// FrameError for a broken rule after forgetting the transfer; the caller sends the Error frame.
class Reassembler {
  constructor({ maxTransferSize = 1 << 30, maxChunks = 1 << 20, maxConcurrent = 8 } = {}) {
    this.limits = { maxTransferSize, maxChunks, maxConcurrent };
    this.transfers = new Map(); this.finished = new Map();
  }

  fail(id, e) { this.transfers.delete(id); this.finished.set(id, { code: e.code }); throw e; }

  process(f, reply) {
    if (f.kind === KIND.CANCEL) { this.transfers.delete(f.id); this.finished.set(f.id, { code: ERR.CANCELLED }); return null; }
    if (f.kind !== KIND.DATA) return null;
    const done = this.finished.get(f.id);
    if (done) { reply(done.code ? errorFrame(f.id, done.code, 'already failed') : ackFrame(f.id, done.total, done.total)); return null; }
    const bad = (code, why) => this.fail(f.id, new FrameError(code, `transfer ${f.id}: ${why}`, f.id));
    let t = this.transfers.get(f.id);
    if (!t) {
      if (f.totalChunks > this.limits.maxChunks) bad(ERR.TOO_LARGE, 'too many chunks');
      if ((f.totalChunks - 1) * f.chunkSize >= this.limits.maxTransferSize) bad(ERR.TOO_LARGE, 'larger than the limit');
      if (this.transfers.size >= this.limits.maxConcurrent) bad(ERR.TOO_MANY, 'too many transfers');
      t = { total: f.totalChunks, chunkSize: f.chunkSize, chunks: new Map(), crcs: new Map(), contiguous: 0, metadata: null, bytes: 0 };
      this.transfers.set(f.id, t);
    } else if (t.total !== f.totalChunks || t.chunkSize !== f.chunkSize) bad(ERR.INVALID_FRAME, 'total_chunks/chunk_size changed');
    let data = f.payload;
    if (f.metadata) {
      let m;
      try { m = decodeMetadata(f.payload, f.id, this.limits.maxTransferSize); } catch (e) { this.fail(f.id, e); }
      const expected = m.metadata.totalLength === 0 ? 1 : Math.ceil(m.metadata.totalLength / t.chunkSize);
      if (expected !== t.total) bad(ERR.LENGTH_MISMATCH, 'total length disagrees with total_chunks');
      t.metadata = m.metadata; data = m.data;
    }
    const last = f.chunkId === t.total - 1;
    if (last ? (data.length > t.chunkSize || (data.length === 0 && t.total > 1)) : data.length !== t.chunkSize) bad(ERR.LENGTH_MISMATCH, 'chunk length');
    if (t.chunks.has(f.chunkId)) {
      if (t.crcs.get(f.chunkId) !== f.crc) bad(ERR.CONFLICTING_DUPLICATE, 'conflicting duplicate');
    } else {
      t.chunks.set(f.chunkId, Buffer.from(data)); t.crcs.set(f.chunkId, f.crc); t.bytes += data.length;
      while (t.chunks.has(t.contiguous)) t.contiguous++;
    }
    reply(ackFrame(f.id, t.contiguous, t.total));
    if (t.chunks.size !== t.total) return null;
    if (t.metadata && t.metadata.totalLength !== t.bytes) bad(ERR.LENGTH_MISMATCH, 'bytes disagree with the metadata total length');
    this.transfers.delete(f.id); this.finished.set(f.id, { total: t.total });
    const bytes = Buffer.concat([...Array(t.total).keys()].map(i => t.chunks.get(i)));
    return { id: f.id, metadata: t.metadata, bytes };
  }
}

// Sends bytes as a transfer with an ack window; onControl must be fed every Ack/Error frame for this id.
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
    fail(e) { failed = e; if (wake) { const w = wake; wake = null; w(); } },
    onControl(f) {
      if (f.kind === KIND.ACK) {
        // Only chunk_id counts in an Ack; one that claims unsent chunks fails the transfer (README rules).
        if (f.chunkId > next) { failed = new Error(`receiver acknowledged ${f.chunkId} of ${next} sent chunks`); send(errorFrame(id, ERR.INVALID_FRAME, failed.message)); }
        else if (f.chunkId > acked) acked = f.chunkId;
      }
      if (f.kind === KIND.ERROR) failed = new Error(`receiver failed the transfer: ${f.payload.readUInt16BE(0)}`);
      if (wake) { const w = wake; wake = null; w(); }
    },
  };
}

module.exports = { HEADER, VERSION, KIND, ERR, FLAG_METADATA, isFrame, encodeFrame, decodeFrame, encodeMetadata, ackFrame, errorFrame, Reassembler, createSender, FrameError };
