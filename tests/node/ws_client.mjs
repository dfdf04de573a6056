// A WebSocket client for Delta's integration tests (tests/integration/ws_test.cc), on the npm `ws`
// package: an independent implementation of the protocol. Prints one line per thing seen:
//   open | ack <json> | frame <bytes> | row <json line> | closed <code> <reason> | error <message>
// (subscriptions print "frame <bytes>" for each message, then its rows)
// Usage: node ws_client.mjs <mode> <url> [args...]
//   ingest <url> <message>...   sends each message, prints each ack, then closes (1000)
//   subscribe <url> <rows>      prints rows until <rows> arrived, then closes (1000)
//   slow <url> <resume-file>    reads nothing until <resume-file> exists, then prints what arrives
//   fragmented <url> <p1> <p2> <p3>  one message in three fragments, a ping between the first two
//   badutf8 <url> | unmasked <url> | oversized <url> <bytes>   protocol violations
import fs from 'node:fs';
import WebSocket from 'ws';

const [mode, url, ...args] = process.argv.slice(2);
const violation = ['badutf8', 'unmasked', 'oversized'].includes(mode);
const ws = new WebSocket(url, { perMessageDeflate: !violation });
let rows = 0;

ws.on('unexpected-response', (req, res) => {
  console.log(`http ${res.statusCode}`);
  process.exit(0);
});
ws.on('error', (e) => console.log(`error ${e.message}`));
ws.on('close', (code, reason) => {
  console.log(`closed ${code} ${reason.toString()}`);
  process.exit(0);
});
ws.on('message', (data) => {
  const text = data.toString();
  if (mode === 'ingest' || mode === 'fragmented' || violation) {
    console.log(`ack ${text}`);
    if (mode === 'ingest' && ++rows === args.length) ws.close(1000);
    if (mode === 'fragmented') ws.close(1000);
    return;
  }
  console.log(`frame ${Buffer.byteLength(text)}`);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    console.log(`row ${line}`);
    if (mode === 'subscribe' && ++rows === Number(args[0])) ws.close(1000);
  }
});
ws.on('open', () => {
  console.log('open');
  switch (mode) {
    case 'ingest':
      for (const m of args) ws.send(m);
      break;
    case 'slow': {
      ws._socket.pause();
      const timer = setInterval(() => {
        if (!fs.existsSync(args[0])) return;
        clearInterval(timer);
        console.log('resumed');
        ws._socket.resume();
      }, 20);
      break;
    }
    case 'fragmented':
      ws.send(args[0], { fin: false });
      ws.ping();
      ws.send(args[1], { fin: false });
      ws.send(args[2], { fin: true });
      break;
    case 'badutf8':
      ws.send(Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), { binary: false });
      break;
    case 'unmasked':
      ws.send('{"n":1}', { mask: false });
      break;
    case 'oversized':
      ws.send('x'.repeat(Number(args[0])));
      break;
  }
});
