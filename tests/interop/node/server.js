'use strict';
// An independent peer for the interop tests. Prints "LISTENING <port>" once ready.
//   /echo        echoes every message
//   /transfers   receives chunked transfers (reports {"type":"received",...} with a SHA-256) and, on
//                {"type":"send","length":N}, sends N deterministic bytes back as a transfer, then {"type":"sent",...}
//   /drop-after  closes the TCP connection abruptly after every N-th message (N from the query, default 3)
const { WebSocketServer } = require('ws');
const crypto = require('crypto');
const framing = require('./rsframing');

const port = Number(process.argv[2] || 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 64 * 1024 * 1024 });
const reassembler = new framing.Reassembler();
let received = 0;

function deterministic(length) {
  const out = Buffer.alloc(length);
  let x = 0x12345678;
  for (let i = 0; i < length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff; }
  return out;
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
      try { f = framing.decodeFrame(data); } catch (e) { if (e.id) ws.send(framing.encodeFrame({ kind: framing.KIND.ERROR, id: e.id }, Buffer.from([0, e.code]))); return; }
      if (f.kind === framing.KIND.ACK || f.kind === framing.KIND.ERROR) { senders.get(f.id)?.onControl(f); return; }
      const done = reassembler.process(f, reply => ws.send(reply));
      if (done) {
        const sha256 = crypto.createHash('sha256').update(done.bytes).digest('hex').toUpperCase();
        ws.send(JSON.stringify({ type: 'received', id: done.id, length: done.bytes.length, sha256, name: done.metadata?.name ?? null }));
      }
      return;
    }
    const command = JSON.parse(data.toString());
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
