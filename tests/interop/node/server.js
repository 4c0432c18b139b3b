'use strict';
// An independent peer for the interop tests. Prints "LISTENING <port>" once ready.
//   /echo        echoes every message
//   /transfers   receives chunked transfers (reports {"type":"received",...} with a SHA-256) and, on
//                {"type":"send","length":N}, sends N deterministic bytes back as a transfer, then {"type":"sent",...}
//                ?ack=zero|beyond|bad-version rewrites every Ack it sends: total_chunks and chunk_size 0 (valid),
//                chunk_id past what was sent, or version 9 (both nonsense the client must fail the transfer for).
//                {"type":"probe","what":W,"size":N} sends one broken frame of kind W for a new transfer (see probe()).
//                Every Error frame it receives that no sender of its own owns is reported as
//                {"type":"error-received","id","what","code","reason"}.
//   /drop-after  closes the TCP connection abruptly after every N-th message (N from the query, default 3)
const { WebSocketServer } = require('ws');
const crypto = require('crypto');
const framing = require('./rsframing');

const port = Number(process.argv[2] || 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 64 * 1024 * 1024 });
const reassembler = new framing.Reassembler();
const probes = new Map(); // transfer id -> what the probe broke
let received = 0;

function deterministic(length) {
  const out = Buffer.alloc(length);
  let x = 0x12345678;
  for (let i = 0; i < length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff; }
  return out;
}

// One broken (or, for "stall", unfinished) transfer, built from the README's tables.
function probe(ws, what, size) {
  const id = crypto.randomUUID();
  probes.set(id, what);
  const data = (chunkSize, bytes, raw = {}, extra = {}) => framing.encodeFrame({ kind: framing.KIND.DATA, id, chunkId: 0, totalChunks: extra.total ?? 1, chunkSize, raw, metadata: extra.metadata }, bytes);
  const withName = (name, totalLength) => {
    const block = framing.encodeMetadata({ totalLength: 4, name });
    if (totalLength !== undefined) block.writeBigUInt64BE(totalLength, 4);
    return block;
  };
  switch (what) {
    case 'version': ws.send(data(4, Buffer.from([1, 2, 3, 4]), { version: 9 })); break;
    case 'reserved': ws.send(data(4, Buffer.from([1, 2, 3, 4]), { reserved: 1 })); break;
    case 'flags': ws.send(data(4, Buffer.from([1, 2, 3, 4]), { flags: 0x80 })); break;
    case 'kind': ws.send(data(4, Buffer.from([1, 2, 3, 4]), { kindByte: 9 })); break;
    case 'crc': ws.send(data(4, Buffer.from([1, 2, 3, 4]), { crc: 1 })); break;
    case 'chunk-size-zero': ws.send(data(0, Buffer.alloc(0))); break;
    case 'chunk-size-over-16mib': ws.send(data(16 * 1024 * 1024 + 1, Buffer.from([1]))); break;
    case 'last-chunk-too-long': ws.send(data(4, Buffer.from([1, 2, 3, 4, 5]))); break;
    case 'metadata-over-64kib': { const p = Buffer.alloc(8); p.writeUInt32BE(65537); ws.send(data(4, p, {}, { metadata: true })); break; }
    case 'bad-utf8-name': ws.send(data(4, Buffer.concat([withName(Buffer.from([0xc3, 0x41])), Buffer.from([1, 2, 3, 4])]), {}, { metadata: true })); break;
    case 'huge-total-length': ws.send(data(4, Buffer.concat([withName('x', 0xffffffffffffffffn), Buffer.from([1, 2, 3, 4])]), {}, { metadata: true })); break;
    case 'oversized': ws.send(data(size, Buffer.alloc(size, 7))); break;
    case 'stall': ws.send(data(4, Buffer.from([1, 2, 3, 4]), {}, { total: 3 })); break;
    default: throw new Error(`unknown probe ${what}`);
  }
  return id;
}

function rewriteAck(mode, ack) {
  const f = framing.decodeFrame(ack);
  if (f.kind !== framing.KIND.ACK || !mode) return ack;
  if (mode === 'zero') return framing.encodeFrame({ kind: framing.KIND.ACK, id: f.id, chunkId: f.chunkId });
  if (mode === 'beyond') return framing.ackFrame(f.id, f.totalChunks + 5, f.totalChunks);
  if (mode === 'bad-version') return framing.encodeFrame({ kind: framing.KIND.ACK, id: f.id, chunkId: f.chunkId, totalChunks: f.totalChunks, raw: { version: 9 } });
  throw new Error(`unknown ack mode ${mode}`);
}

wss.on('connection', (ws, req) => {
  const url = new URL(req.url, 'http://localhost');
  const senders = new Map();
  ws.on('message', (data, isBinary) => {
    received++;
    if (url.pathname === '/echo') { ws.send(data, { binary: isBinary }); return; }
    if (url.pathname === '/drop-after') {
      const n = Number(url.searchParams.get('n') || 3);
      ws.send(data, { binary: isBinary });
      if (received % n === 0) ws.terminate();
      return;
    }
    if (url.pathname !== '/transfers') return;
    if (isBinary && framing.isFrame(data)) {
      let f;
      // A malformed frame with a readable id is answered with an Error, unless it is itself an Error frame.
      const answer = e => {
        if ((data[3] === framing.KIND.ACK || data[3] === framing.KIND.ERROR) && e.id) senders.get(e.id)?.fail(e); // a bad answer fails our transfer
        if (e.id && data[3] !== framing.KIND.ERROR) ws.send(framing.errorFrame(e.id, e.code, e.message));
      };
      try { f = framing.decodeFrame(data); } catch (e) { answer(e); return; }
      if (f.kind === framing.KIND.ERROR && !senders.has(f.id)) {
        ws.send(JSON.stringify({ type: 'error-received', id: f.id, what: probes.get(f.id) ?? null, code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString('utf8') }));
        return;
      }
      if (f.kind === framing.KIND.ACK || f.kind === framing.KIND.ERROR) { senders.get(f.id)?.onControl(f); return; }
      let done;
      try { done = reassembler.process(f, reply => ws.send(rewriteAck(url.searchParams.get('ack'), reply))); } catch (e) { answer(e); return; }
      if (done) {
        const sha256 = crypto.createHash('sha256').update(done.bytes).digest('hex').toUpperCase();
        ws.send(JSON.stringify({ type: 'received', id: done.id, length: done.bytes.length, sha256, name: done.metadata?.name ?? null }));
      }
      return;
    }
    const command = JSON.parse(data.toString());
    if (command.type === 'probe') {
      const id = probe(ws, command.what, command.size || 0);
      ws.send(JSON.stringify({ type: 'probed', id, what: command.what }));
      return;
    }
    if (command.type === 'send') {
      const bytes = deterministic(command.length);
      const id = crypto.randomUUID();
      const sender = framing.createSender(b => ws.send(b), bytes, { id, chunkSize: command.chunkSize || 65536, metadata: { name: 'from-node.bin', contentType: 'application/octet-stream' } });
      senders.set(id, sender);
      sender.done
        .then(() => ws.send(JSON.stringify({ type: 'sent', id, sha256: crypto.createHash('sha256').update(bytes).digest('hex').toUpperCase() })))
        .catch(e => ws.send(JSON.stringify({ type: 'send-failed', id, reason: e.message })))
        .finally(() => senders.delete(id));
    }
  });
});

wss.on('listening', () => console.log(`LISTENING ${wss.address().port}`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
