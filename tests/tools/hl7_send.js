#!/usr/bin/env node
// Sends HL7 v2 messages over MLLP with a real client from the npm registry (node-hl7-client),
// one at a time per connection, waiting for each ACK; prints one JSON line per ACK:
//   {"control":"MSG000001","code":"AA","ack_control":"MSG000001","text":""}
//
//   NODE_PATH=DIR/node_modules node hl7_send.js --port P [--host H] --file F [--conns N]
//        [--ca CA --cert CERT --key KEY] [--timeout-ms MS] [--summary 1]
// Each line also has sent_ms and acked_ms (since the start) and latency_ms, written as the ACK
// arrives. With --summary 1 only one line is printed at the end: messages, seconds, msg_per_s,
// ACK latency p50/p99/max in ms, and the count of each ACK code.
// F holds messages as a file does (segments separated by CR or LF, messages by a new MSH).
// With --conns N the messages are dealt round-robin over N connections sent concurrently.
'use strict';
const fs = require('fs');
const { Client, Message } = require('node-hl7-client');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const host = args.host || '127.0.0.1';
const port = parseInt(args.port, 10);
const conns = parseInt(args.conns || '1', 10);
const timeoutMs = parseInt(args['timeout-ms'] || '30000', 10);
const summary = args.summary === '1';
const t0 = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - t0) / 1e6;

function splitMessages(text) {
  const out = [];
  let cur = [];
  for (const seg of text.split(/\r\n|\r|\n/)) {
    if (!seg.trim()) continue;
    if (seg.startsWith('MSH') && cur.length) { out.push(cur.join('\r')); cur = []; }
    cur.push(seg);
  }
  if (cur.length) out.push(cur.join('\r'));
  return out;
}

const messages = splitMessages(fs.readFileSync(args.file, 'utf8'));
const tls = args.ca ? { ca: fs.readFileSync(args.ca), cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key),
  servername: 'localhost', rejectUnauthorized: true } : undefined;

async function runConnection(list) {
  const client = new Client({ host, tls, connectionTimeout: 10000, maxConnectionAttempts: 3 });
  let waiting = null;
  const conn = client.createConnection({ port, waitAck: true }, async (res) => {
    const ack = res.getMessage();
    const r = { code: ack.get('MSA.1').toString(), ack_control: ack.get('MSA.2').toString(),
      text: ack.get('MSA.3').toString() };
    if (waiting) { const w = waiting; waiting = null; w(r); }
  });
  const results = [];
  for (const raw of list) {
    const msg = new Message({ text: raw });
    const control = msg.get('MSH.10').toString();
    const got = new Promise((resolve) => { waiting = resolve; });
    let timeoutHandle;
    const timer = new Promise((resolve) => { timeoutHandle = setTimeout(() => resolve(null), timeoutMs); });
    const sent = now();
    await conn.sendMessage(msg);
    const r = await Promise.race([got, timer]);
    clearTimeout(timeoutHandle);
    const acked = now();
    const out = Object.assign({ control }, r || { code: 'TIMEOUT', ack_control: '', text: '' },
      { sent_ms: Math.round(sent), acked_ms: Math.round(acked), latency_ms: +(acked - sent).toFixed(3) });
    results.push(out);
    if (!summary) process.stdout.write(JSON.stringify(out) + '\n');
  }
  await conn.close();
  client.closeAll();
  return results;
}

(async () => {
  const lists = Array.from({ length: conns }, () => []);
  messages.forEach((m, i) => lists[i % conns].push(m));
  const start = now();
  const all = (await Promise.all(lists.filter((l) => l.length).map(runConnection))).flat();
  if (summary) {
    const secs = (now() - start) / 1000;
    const lat = all.map((r) => r.latency_ms).sort((a, b) => a - b);
    const q = (p) => lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : 0;
    const codes = {};
    for (const r of all) codes[r.code] = (codes[r.code] || 0) + 1;
    process.stdout.write(JSON.stringify({ messages: all.length, connections: conns, seconds: +secs.toFixed(3),
      msg_per_s: Math.round(all.length / secs), ack_p50_ms: q(0.5), ack_p99_ms: q(0.99), ack_max_ms: lat[lat.length - 1],
      codes }) + '\n');
  }
  process.exit(0);
})().catch((e) => { process.stderr.write(`hl7_send: ${e && e.stack || e}\n`); process.exit(1); });
